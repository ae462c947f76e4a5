export interface paths {
    "/api/v1/queue/tokens": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Take a place in a concert's waiting room (or get your live token back) */
        post: operations["issueQueueToken"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/queue/tokens/current": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Poll the status of your token; poll again after pollAfterSeconds */
        get: operations["getCurrentQueueToken"];
        put?: never;
        post?: never;
        /** Leave the waiting room; everyone behind moves up */
        delete: operations["leaveQueue"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/concerts": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List concerts */
        get: operations["listConcerts"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/concerts/{concertId}/schedules": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List a concert's schedules with their free seats */
        get: operations["listSchedules"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/schedules/{scheduleId}/seats": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The seat map of a schedule */
        get: operations["getSeatMap"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/concerts": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Create a concert with its schedules */
        post: operations["createConcert"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/concerts/{concertId}/waiting-room": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /** Change a concert's waiting-room settings at run time (journaled; outlasts restarts) */
        patch: operations["configureWaitingRoom"];
        trace?: never;
    };
    "/api/v1/users/{userId}/balance": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A user's prepaid balance (0 for a new user) */
        get: operations["getBalance"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/users/{userId}/balance/charge": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Add money to a balance */
        post: operations["chargeBalance"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/users/{userId}/balance/transactions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A user's ledger, newest first */
        get: operations["listBalanceTransactions"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/reservations": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Hold 1..4 seats of a schedule for a few minutes, all or none */
        post: operations["holdSeats"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/reservations/{reservationId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A reservation with its current status */
        get: operations["getReservation"];
        put?: never;
        post?: never;
        /** Release a held reservation; its seats are free again */
        delete: operations["cancelReservation"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/users/{userId}/reservations": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A user's reservations, newest first */
        get: operations["listUserReservations"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/payments": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Pay a held reservation from the balance; books its seats and ends the token */
        post: operations["payReservation"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/health": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Liveness, with the last durable journal seq */
        get: operations["getHealth"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/health/ready": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Readiness, for a load balancer: whether to send this server requests
         * @description 503 DRAINING from SIGTERM until the server closes its connections (`DRAIN_DELAY_MS`), so that a balancer stops sending before they close; 503 JOURNAL_UNAVAILABLE once the journal has failed. `/health` is the liveness check.
         */
        get: operations["getReadiness"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/metrics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Prometheus metrics, in the text exposition format */
        get: operations["getMetrics"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/openapi.json": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** This OpenAPI 3.1 document */
        get: operations["getOpenApiDocument"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/docs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Swagger UI over this document, for a browser */
        get: operations["getDocsPage"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/docs/{file}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A file the docs page loads */
        get: operations["getDocsAsset"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        Error: {
            error: {
                code: components["schemas"]["ErrorCode"];
                /** @description For people; its wording may change. */
                message: string;
                /** @description The request's id, also in the X-Request-Id header and the server's log line. */
                requestId: string;
                /** @description SEAT_UNAVAILABLE and SEAT_NOT_FOUND: the seats concerned. */
                seatNumbers?: number[];
                /** @description TOKEN_NOT_ACTIVE: the token's place in line (null before the queue opens). */
                position?: number | null;
                /** @description INSUFFICIENT_BALANCE and BALANCE_LIMIT_EXCEEDED: the balance now. */
                balance?: number;
                /** @description INSUFFICIENT_BALANCE: the amount to pay. */
                amount?: number;
            };
        };
        /**
         * @description A stable code per failure mode: switch on it, not on the message.
         *
         *     | code | status | meaning |
         *     | --- | --- | --- |
         *     | `VALIDATION_FAILED` | 400 | The request is malformed: a path, query, header or body value breaks its schema, or the body is not JSON. |
         *     | `TOKEN_INVALID` | 401 | The queue token is missing, malformed or unknown. |
         *     | `TOKEN_EXPIRED` | 401 | The queue token has expired, was used by a payment, or was given up. |
         *     | `ADMIN_UNAUTHORIZED` | 401 | The admin API needs the admin bearer token, and the request has none or another. |
         *     | `INSUFFICIENT_BALANCE` | 402 | The balance is below the reservation's amount (`balance` and `amount` say by how much); nothing changes and the hold stays. |
         *     | `TOKEN_NOT_ACTIVE` | 403 | The queue token is still waiting its turn; `position` is its place (null before the queue opens). |
         *     | `TOKEN_CONCERT_MISMATCH` | 403 | The queue token is for another concert than the schedule or reservation. |
         *     | `NOT_OWNER` | 403 | The reservation belongs to another user. |
         *     | `ADMIN_DISABLED` | 403 | The admin API is disabled: the server runs without ADMIN_TOKEN. |
         *     | `NOT_FOUND` | 404 | No route has this path (a path this document does not list). |
         *     | `CONCERT_NOT_FOUND` | 404 | No concert has this id. |
         *     | `SCHEDULE_NOT_FOUND` | 404 | No schedule has this id. |
         *     | `SEAT_NOT_FOUND` | 404 | A seat number is outside the schedule (`seatNumbers` lists them). |
         *     | `RESERVATION_NOT_FOUND` | 404 | No reservation has this id. |
         *     | `PAYMENT_NOT_FOUND` | 404 | No payment has this id. |
         *     | `METHOD_NOT_ALLOWED` | 405 | The path exists but not with this method; the `Allow` header lists the methods it has. |
         *     | `SEAT_UNAVAILABLE` | 409 | A seat is already held or booked (`seatNumbers` lists them); no seat was held. |
         *     | `HOLD_LIMIT_REACHED` | 409 | The user would hold or own more seats of the schedule than a user may. |
         *     | `RESERVATION_NOT_HELD` | 409 | The reservation is no longer held: it was paid, cancelled or has expired. |
         *     | `ALREADY_PAID` | 409 | The reservation is already paid. |
         *     | `PAYMENT_IN_PROGRESS` | 409 | Another payment of this reservation is under way, or (in a cluster) this payment waits for the shard of the payer's wallet and goes on; retry with the same Idempotency-Key to get its outcome, or after it ends. |
         *     | `FUNDS_PENDING_LIMIT_REACHED` | 409 | The wallet already has as many payments in flight as it may; the payment was aborted and no money was taken. |
         *     | `HOLD_EXPIRED` | 410 | The hold expired or was cancelled before the payment; no money was taken. |
         *     | `PAYLOAD_TOO_LARGE` | 413 | The request body is over the size limit. |
         *     | `BALANCE_LIMIT_EXCEEDED` | 422 | The charge would take the balance over its limit (`balance` is the balance now). |
         *     | `IDEMPOTENCY_KEY_REUSED` | 422 | The Idempotency-Key was already used by this user for a different request. |
         *     | `INTERNAL_ERROR` | 500 | The server failed to answer (a bug); the request id finds it in the server's log. |
         *     | `OVERLOADED` | 503 | Too many requests wait for the same resource, or the waiting room is full; retry after `Retry-After` seconds. |
         *     | `JOURNAL_UNAVAILABLE` | 503 | The journal cannot make changes durable (a failed disk, say); nothing was changed. Retry on another server. |
         *     | `DRAINING` | 503 | The server is draining before it stops; send requests to another server. |
         *     | `SHARD_UNAVAILABLE` | 503 | Only in a cluster: the shard that owns this key (or, for a list, one of the shards it spans) is down or restarting, or the key belongs to another shard than the one asked; retry after `Retry-After` seconds. |
         * @enum {string}
         */
        ErrorCode: "VALIDATION_FAILED" | "TOKEN_INVALID" | "TOKEN_EXPIRED" | "ADMIN_UNAUTHORIZED" | "INSUFFICIENT_BALANCE" | "TOKEN_NOT_ACTIVE" | "TOKEN_CONCERT_MISMATCH" | "NOT_OWNER" | "ADMIN_DISABLED" | "NOT_FOUND" | "CONCERT_NOT_FOUND" | "SCHEDULE_NOT_FOUND" | "SEAT_NOT_FOUND" | "RESERVATION_NOT_FOUND" | "PAYMENT_NOT_FOUND" | "METHOD_NOT_ALLOWED" | "SEAT_UNAVAILABLE" | "HOLD_LIMIT_REACHED" | "RESERVATION_NOT_HELD" | "ALREADY_PAID" | "PAYMENT_IN_PROGRESS" | "FUNDS_PENDING_LIMIT_REACHED" | "HOLD_EXPIRED" | "PAYLOAD_TOO_LARGE" | "BALANCE_LIMIT_EXCEEDED" | "IDEMPOTENCY_KEY_REUSED" | "INTERNAL_ERROR" | "OVERLOADED" | "JOURNAL_UNAVAILABLE" | "DRAINING" | "SHARD_UNAVAILABLE";
        QueueToken: {
            token: string;
            userId: string;
            concertId: string;
            /** @enum {string} */
            status: "WAITING" | "ACTIVE";
            position: number | null;
            estimatedWaitSeconds: number | null;
            /**
             * Format: date-time
             * @example 2026-12-24T19:00:00.000Z
             */
            expiresAt: string | null;
            pollAfterSeconds: number;
            /**
             * Format: date-time
             * @example 2026-12-24T19:00:00.000Z
             */
            opensAt: string | null;
        };
        IssueTokenRequest: {
            /** @example user-123 */
            userId: string;
            /** @example V1StGXR8_Z5jdHi6B-myT */
            concertId: string;
        };
        ConcertList: {
            concerts: components["schemas"]["Concert"][];
        };
        Concert: {
            concertId: string;
            title: string;
        };
        ScheduleList: {
            concertId: string;
            schedules: components["schemas"]["Schedule"][];
        };
        Schedule: {
            scheduleId: string;
            /**
             * Format: date-time
             * @example 2026-12-24T19:00:00.000Z
             */
            startsAt: string;
            totalSeats: number;
            availableSeats: number;
        };
        SeatMap: {
            scheduleId: string;
            concertId: string;
            seats: {
                seatNumber: number;
                /** @enum {string} */
                status: "AVAILABLE" | "HELD" | "BOOKED";
                price: number;
            }[];
        };
        CreatedConcert: {
            concertId: string;
            title: string;
            /**
             * Format: date-time
             * @example 2026-12-24T19:00:00.000Z
             */
            onSaleAt: string | null;
            schedules: {
                scheduleId: string;
                /**
                 * Format: date-time
                 * @example 2026-12-24T19:00:00.000Z
                 */
                startsAt: string;
                totalSeats: number;
                price: number;
            }[];
        };
        CreateConcertRequest: {
            title: string;
            /**
             * Format: date-time
             * @example 2026-12-24T19:00:00Z
             */
            onSaleAt?: string | null;
            schedules: {
                /**
                 * Format: date-time
                 * @example 2026-12-24T19:00:00Z
                 */
                startsAt: string;
                seatCount: number;
                price: number;
            }[];
        };
        WaitingRoomSettings: {
            concertId: string;
            maxActive: number;
            admitBatch: number;
            admitIntervalMs: number;
            activeTtlMs: number;
            waitIdleTtlMs: number;
            /**
             * Format: date-time
             * @example 2026-12-24T19:00:00.000Z
             */
            onSaleAt: string | null;
        };
        WaitingRoomSettingsRequest: {
            maxActive?: number;
            admitBatch?: number;
            admitIntervalMs?: number;
            activeTtlMs?: number;
            waitIdleTtlMs?: number;
            /**
             * Format: date-time
             * @example 2026-12-24T19:00:00Z
             */
            onSaleAt?: string | null;
        };
        Balance: {
            userId: string;
            balance: number;
        };
        ChargeReceipt: {
            userId: string;
            balance: number;
            transactionId: string;
        };
        ChargeRequest: {
            amount: number;
        };
        TransactionList: {
            userId: string;
            transactions: {
                transactionId: string;
                /** @enum {string} */
                type: "CHARGE" | "PAYMENT";
                amount: number;
                balanceAfter: number;
                /**
                 * Format: date-time
                 * @example 2026-12-24T19:00:00.000Z
                 */
                createdAt: string;
            }[];
        };
        Reservation: {
            reservationId: string;
            userId: string;
            concertId: string;
            scheduleId: string;
            seatNumbers: number[];
            /** @enum {string} */
            status: "HELD" | "CONFIRMED" | "EXPIRED" | "CANCELLED";
            amount: number;
            /**
             * Format: date-time
             * @example 2026-12-24T19:00:00.000Z
             */
            expiresAt: string;
            /**
             * Format: date-time
             * @example 2026-12-24T19:00:00.000Z
             */
            paidAt: string | null;
        };
        HoldRequest: {
            scheduleId: string;
            seatNumbers: number[];
        } | {
            scheduleId: string;
            seatNumber: number;
        };
        ReservationList: {
            userId: string;
            reservations: components["schemas"]["Reservation"][];
        };
        Payment: {
            paymentId: string;
            reservationId: string;
            userId: string;
            amount: number;
            balance: number;
            /** @enum {string} */
            status: "COMPLETED";
            /**
             * Format: date-time
             * @example 2026-12-24T19:00:00.000Z
             */
            paidAt: string;
        };
        PaymentRequest: {
            reservationId: string;
        };
        Health: {
            /** @enum {string} */
            status: "ok" | "failed";
            journalSeq: number;
            uptimeSeconds: number;
        };
        Readiness: {
            /** @enum {string} */
            status: "ready";
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: {
        /** @description The request's id: the client's own X-Request-Id when it was 1..128 printable characters, else a new one. */
        RequestId: string;
        /** @description Seconds to wait before retrying. */
        RetryAfter: number;
        /** @description The methods the path has. */
        Allow: string;
    };
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    issueQueueToken: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "userId": "alice",
                 *       "concertId": "V1StGXR8_Z5jdHi6B-myT"
                 *     }
                 */
                "application/json": components["schemas"]["IssueTokenRequest"];
            };
        };
        responses: {
            /** @description The user's live token for this concert */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "token": "V1StGXR8_Z5jdHi6B-myT.1z.k8Dj3nQ9wXs2LpT5vYb7R",
                     *       "userId": "alice",
                     *       "concertId": "V1StGXR8_Z5jdHi6B-myT",
                     *       "status": "WAITING",
                     *       "position": 1234,
                     *       "estimatedWaitSeconds": 62,
                     *       "expiresAt": null,
                     *       "pollAfterSeconds": 6,
                     *       "opensAt": null
                     *     }
                     */
                    "application/json": components["schemas"]["QueueToken"];
                };
            };
            /** @description A new token, WAITING with its position or ACTIVE at once */
            201: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "token": "V1StGXR8_Z5jdHi6B-myT.1z.k8Dj3nQ9wXs2LpT5vYb7R",
                     *       "userId": "alice",
                     *       "concertId": "V1StGXR8_Z5jdHi6B-myT",
                     *       "status": "ACTIVE",
                     *       "position": 0,
                     *       "estimatedWaitSeconds": 0,
                     *       "expiresAt": "2026-11-01T10:10:00.000Z",
                     *       "pollAfterSeconds": 5,
                     *       "opensAt": null
                     *     }
                     */
                    "application/json": components["schemas"]["QueueToken"];
                };
            };
            /** @description `VALIDATION_FAILED`: The request is malformed: a path, query, header or body value breaks its schema, or the body is not JSON. */
            400: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "VALIDATION_FAILED";
                        };
                    };
                };
            };
            /** @description `CONCERT_NOT_FOUND`: No concert has this id. */
            404: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "CONCERT_NOT_FOUND";
                        };
                    };
                };
            };
            /** @description `METHOD_NOT_ALLOWED`: The path exists but not with this method; the `Allow` header lists the methods it has. */
            405: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    Allow: components["headers"]["Allow"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "METHOD_NOT_ALLOWED";
                        };
                    };
                };
            };
            /** @description `PAYLOAD_TOO_LARGE`: The request body is over the size limit. */
            413: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "PAYLOAD_TOO_LARGE";
                        };
                    };
                };
            };
            /** @description `INTERNAL_ERROR`: The server failed to answer (a bug); the request id finds it in the server's log. */
            500: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "INTERNAL_ERROR";
                        };
                    };
                };
            };
            /**
             * @description `OVERLOADED`: Too many requests wait for the same resource, or the waiting room is full; retry after `Retry-After` seconds.
             *
             *     `JOURNAL_UNAVAILABLE`: The journal cannot make changes durable (a failed disk, say); nothing was changed. Retry on another server.
             *
             *     `SHARD_UNAVAILABLE`: Only in a cluster: the shard that owns this key (or, for a list, one of the shards it spans) is down or restarting, or the key belongs to another shard than the one asked; retry after `Retry-After` seconds.
             */
            503: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    "Retry-After": components["headers"]["RetryAfter"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "OVERLOADED" | "JOURNAL_UNAVAILABLE" | "SHARD_UNAVAILABLE";
                        };
                    };
                };
            };
        };
    };
    getCurrentQueueToken: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The token's status, position and estimated wait */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    /** @description pollAfterSeconds: when to poll again. */
                    "Retry-After": number;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "token": "V1StGXR8_Z5jdHi6B-myT.1z.k8Dj3nQ9wXs2LpT5vYb7R",
                     *       "userId": "alice",
                     *       "concertId": "V1StGXR8_Z5jdHi6B-myT",
                     *       "status": "WAITING",
                     *       "position": 1234,
                     *       "estimatedWaitSeconds": 62,
                     *       "expiresAt": null,
                     *       "pollAfterSeconds": 6,
                     *       "opensAt": null
                     *     }
                     */
                    "application/json": components["schemas"]["QueueToken"];
                };
            };
            /**
             * @description `TOKEN_INVALID`: The queue token is missing, malformed or unknown.
             *
             *     `TOKEN_EXPIRED`: The queue token has expired, was used by a payment, or was given up.
             */
            401: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "TOKEN_INVALID" | "TOKEN_EXPIRED";
                        };
                    };
                };
            };
            /** @description `METHOD_NOT_ALLOWED`: The path exists but not with this method; the `Allow` header lists the methods it has. */
            405: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    Allow: components["headers"]["Allow"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "METHOD_NOT_ALLOWED";
                        };
                    };
                };
            };
            /** @description `INTERNAL_ERROR`: The server failed to answer (a bug); the request id finds it in the server's log. */
            500: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "INTERNAL_ERROR";
                        };
                    };
                };
            };
            /**
             * @description `OVERLOADED`: Too many requests wait for the same resource, or the waiting room is full; retry after `Retry-After` seconds.
             *
             *     `JOURNAL_UNAVAILABLE`: The journal cannot make changes durable (a failed disk, say); nothing was changed. Retry on another server.
             *
             *     `SHARD_UNAVAILABLE`: Only in a cluster: the shard that owns this key (or, for a list, one of the shards it spans) is down or restarting, or the key belongs to another shard than the one asked; retry after `Retry-After` seconds.
             */
            503: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    "Retry-After": components["headers"]["RetryAfter"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "OVERLOADED" | "JOURNAL_UNAVAILABLE" | "SHARD_UNAVAILABLE";
                        };
                    };
                };
            };
        };
    };
    leaveQueue: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Left */
            204: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description `VALIDATION_FAILED`: The request is malformed: a path, query, header or body value breaks its schema, or the body is not JSON. */
            400: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "VALIDATION_FAILED";
                        };
                    };
                };
            };
            /**
             * @description `TOKEN_INVALID`: The queue token is missing, malformed or unknown.
             *
             *     `TOKEN_EXPIRED`: The queue token has expired, was used by a payment, or was given up.
             */
            401: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "TOKEN_INVALID" | "TOKEN_EXPIRED";
                        };
                    };
                };
            };
            /** @description `METHOD_NOT_ALLOWED`: The path exists but not with this method; the `Allow` header lists the methods it has. */
            405: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    Allow: components["headers"]["Allow"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "METHOD_NOT_ALLOWED";
                        };
                    };
                };
            };
            /** @description `PAYLOAD_TOO_LARGE`: The request body is over the size limit. */
            413: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "PAYLOAD_TOO_LARGE";
                        };
                    };
                };
            };
            /** @description `INTERNAL_ERROR`: The server failed to answer (a bug); the request id finds it in the server's log. */
            500: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "INTERNAL_ERROR";
                        };
                    };
                };
            };
            /**
             * @description `OVERLOADED`: Too many requests wait for the same resource, or the waiting room is full; retry after `Retry-After` seconds.
             *
             *     `JOURNAL_UNAVAILABLE`: The journal cannot make changes durable (a failed disk, say); nothing was changed. Retry on another server.
             *
             *     `SHARD_UNAVAILABLE`: Only in a cluster: the shard that owns this key (or, for a list, one of the shards it spans) is down or restarting, or the key belongs to another shard than the one asked; retry after `Retry-After` seconds.
             */
            503: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    "Retry-After": components["headers"]["RetryAfter"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "OVERLOADED" | "JOURNAL_UNAVAILABLE" | "SHARD_UNAVAILABLE";
                        };
                    };
                };
            };
        };
    };
    listConcerts: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Every concert */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "concerts": [
                     *         {
                     *           "concertId": "V1StGXR8_Z5jdHi6B-myT",
                     *           "title": "Demo Concert"
                     *         }
                     *       ]
                     *     }
                     */
                    "application/json": components["schemas"]["ConcertList"];
                };
            };
            /** @description `METHOD_NOT_ALLOWED`: The path exists but not with this method; the `Allow` header lists the methods it has. */
            405: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    Allow: components["headers"]["Allow"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "METHOD_NOT_ALLOWED";
                        };
                    };
                };
            };
            /** @description `INTERNAL_ERROR`: The server failed to answer (a bug); the request id finds it in the server's log. */
            500: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "INTERNAL_ERROR";
                        };
                    };
                };
            };
            /**
             * @description `OVERLOADED`: Too many requests wait for the same resource, or the waiting room is full; retry after `Retry-After` seconds.
             *
             *     `JOURNAL_UNAVAILABLE`: The journal cannot make changes durable (a failed disk, say); nothing was changed. Retry on another server.
             *
             *     `SHARD_UNAVAILABLE`: Only in a cluster: the shard that owns this key (or, for a list, one of the shards it spans) is down or restarting, or the key belongs to another shard than the one asked; retry after `Retry-After` seconds.
             */
            503: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    "Retry-After": components["headers"]["RetryAfter"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "OVERLOADED" | "JOURNAL_UNAVAILABLE" | "SHARD_UNAVAILABLE";
                        };
                    };
                };
            };
        };
    };
    listSchedules: {
        parameters: {
            query?: {
                available?: "true" | "false";
            };
            header?: never;
            path: {
                concertId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The concert's schedules; ?available=true keeps those with free seats */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "concertId": "V1StGXR8_Z5jdHi6B-myT",
                     *       "schedules": [
                     *         {
                     *           "scheduleId": "Uakgb_J5m9g-0JDMbcJqL",
                     *           "startsAt": "2026-12-24T19:00:00.000Z",
                     *           "totalSeats": 50,
                     *           "availableSeats": 48
                     *         }
                     *       ]
                     *     }
                     */
                    "application/json": components["schemas"]["ScheduleList"];
                };
            };
            /** @description `VALIDATION_FAILED`: The request is malformed: a path, query, header or body value breaks its schema, or the body is not JSON. */
            400: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "VALIDATION_FAILED";
                        };
                    };
                };
            };
            /** @description `CONCERT_NOT_FOUND`: No concert has this id. */
            404: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "CONCERT_NOT_FOUND";
                        };
                    };
                };
            };
            /** @description `METHOD_NOT_ALLOWED`: The path exists but not with this method; the `Allow` header lists the methods it has. */
            405: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    Allow: components["headers"]["Allow"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "METHOD_NOT_ALLOWED";
                        };
                    };
                };
            };
            /** @description `INTERNAL_ERROR`: The server failed to answer (a bug); the request id finds it in the server's log. */
            500: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "INTERNAL_ERROR";
                        };
                    };
                };
            };
            /**
             * @description `OVERLOADED`: Too many requests wait for the same resource, or the waiting room is full; retry after `Retry-After` seconds.
             *
             *     `JOURNAL_UNAVAILABLE`: The journal cannot make changes durable (a failed disk, say); nothing was changed. Retry on another server.
             *
             *     `SHARD_UNAVAILABLE`: Only in a cluster: the shard that owns this key (or, for a list, one of the shards it spans) is down or restarting, or the key belongs to another shard than the one asked; retry after `Retry-After` seconds.
             */
            503: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    "Retry-After": components["headers"]["RetryAfter"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "OVERLOADED" | "JOURNAL_UNAVAILABLE" | "SHARD_UNAVAILABLE";
                        };
                    };
                };
            };
        };
    };
    getSeatMap: {
        parameters: {
            query?: {
                status?: "AVAILABLE" | "HELD" | "BOOKED";
            };
            header?: never;
            path: {
                scheduleId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Every seat with its status and price; ?status= filters */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "scheduleId": "Uakgb_J5m9g-0JDMbcJqL",
                     *       "concertId": "V1StGXR8_Z5jdHi6B-myT",
                     *       "seats": [
                     *         {
                     *           "seatNumber": 6,
                     *           "status": "AVAILABLE",
                     *           "price": 50000
                     *         },
                     *         {
                     *           "seatNumber": 7,
                     *           "status": "HELD",
                     *           "price": 50000
                     *         },
                     *         {
                     *           "seatNumber": 8,
                     *           "status": "BOOKED",
                     *           "price": 50000
                     *         }
                     *       ]
                     *     }
                     */
                    "application/json": components["schemas"]["SeatMap"];
                };
            };
            /** @description `VALIDATION_FAILED`: The request is malformed: a path, query, header or body value breaks its schema, or the body is not JSON. */
            400: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "VALIDATION_FAILED";
                        };
                    };
                };
            };
            /** @description `SCHEDULE_NOT_FOUND`: No schedule has this id. */
            404: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "SCHEDULE_NOT_FOUND";
                        };
                    };
                };
            };
            /** @description `METHOD_NOT_ALLOWED`: The path exists but not with this method; the `Allow` header lists the methods it has. */
            405: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    Allow: components["headers"]["Allow"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "METHOD_NOT_ALLOWED";
                        };
                    };
                };
            };
            /** @description `INTERNAL_ERROR`: The server failed to answer (a bug); the request id finds it in the server's log. */
            500: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "INTERNAL_ERROR";
                        };
                    };
                };
            };
            /**
             * @description `OVERLOADED`: Too many requests wait for the same resource, or the waiting room is full; retry after `Retry-After` seconds.
             *
             *     `JOURNAL_UNAVAILABLE`: The journal cannot make changes durable (a failed disk, say); nothing was changed. Retry on another server.
             *
             *     `SHARD_UNAVAILABLE`: Only in a cluster: the shard that owns this key (or, for a list, one of the shards it spans) is down or restarting, or the key belongs to another shard than the one asked; retry after `Retry-After` seconds.
             */
            503: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    "Retry-After": components["headers"]["RetryAfter"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "OVERLOADED" | "JOURNAL_UNAVAILABLE" | "SHARD_UNAVAILABLE";
                        };
                    };
                };
            };
        };
    };
    createConcert: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "title": "Demo Concert",
                 *       "onSaleAt": null,
                 *       "schedules": [
                 *         {
                 *           "startsAt": "2026-12-24T19:00:00Z",
                 *           "seatCount": 50,
                 *           "price": 50000
                 *         }
                 *       ]
                 *     }
                 */
                "application/json": components["schemas"]["CreateConcertRequest"];
            };
        };
        responses: {
            /** @description The concert with its new schedule ids */
            201: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "concertId": "V1StGXR8_Z5jdHi6B-myT",
                     *       "title": "Demo Concert",
                     *       "onSaleAt": null,
                     *       "schedules": [
                     *         {
                     *           "scheduleId": "Uakgb_J5m9g-0JDMbcJqL",
                     *           "startsAt": "2026-12-24T19:00:00.000Z",
                     *           "totalSeats": 50,
                     *           "price": 50000
                     *         }
                     *       ]
                     *     }
                     */
                    "application/json": components["schemas"]["CreatedConcert"];
                };
            };
            /** @description `VALIDATION_FAILED`: The request is malformed: a path, query, header or body value breaks its schema, or the body is not JSON. */
            400: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "VALIDATION_FAILED";
                        };
                    };
                };
            };
            /** @description `ADMIN_UNAUTHORIZED`: The admin API needs the admin bearer token, and the request has none or another. */
            401: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "ADMIN_UNAUTHORIZED";
                        };
                    };
                };
            };
            /** @description `ADMIN_DISABLED`: The admin API is disabled: the server runs without ADMIN_TOKEN. */
            403: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "ADMIN_DISABLED";
                        };
                    };
                };
            };
            /** @description `METHOD_NOT_ALLOWED`: The path exists but not with this method; the `Allow` header lists the methods it has. */
            405: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    Allow: components["headers"]["Allow"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "METHOD_NOT_ALLOWED";
                        };
                    };
                };
            };
            /** @description `PAYLOAD_TOO_LARGE`: The request body is over the size limit. */
            413: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "PAYLOAD_TOO_LARGE";
                        };
                    };
                };
            };
            /** @description `INTERNAL_ERROR`: The server failed to answer (a bug); the request id finds it in the server's log. */
            500: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "INTERNAL_ERROR";
                        };
                    };
                };
            };
            /**
             * @description `OVERLOADED`: Too many requests wait for the same resource, or the waiting room is full; retry after `Retry-After` seconds.
             *
             *     `JOURNAL_UNAVAILABLE`: The journal cannot make changes durable (a failed disk, say); nothing was changed. Retry on another server.
             *
             *     `SHARD_UNAVAILABLE`: Only in a cluster: the shard that owns this key (or, for a list, one of the shards it spans) is down or restarting, or the key belongs to another shard than the one asked; retry after `Retry-After` seconds.
             */
            503: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    "Retry-After": components["headers"]["RetryAfter"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "OVERLOADED" | "JOURNAL_UNAVAILABLE" | "SHARD_UNAVAILABLE";
                        };
                    };
                };
            };
        };
    };
    configureWaitingRoom: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                concertId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "maxActive": 500,
                 *       "onSaleAt": "2026-11-01T10:00:00Z"
                 *     }
                 */
                "application/json": components["schemas"]["WaitingRoomSettingsRequest"];
            };
        };
        responses: {
            /** @description The waiting room's settings after the change */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "concertId": "V1StGXR8_Z5jdHi6B-myT",
                     *       "maxActive": 500,
                     *       "admitBatch": 100,
                     *       "admitIntervalMs": 1000,
                     *       "activeTtlMs": 600000,
                     *       "waitIdleTtlMs": 300000,
                     *       "onSaleAt": "2026-11-01T10:00:00.000Z"
                     *     }
                     */
                    "application/json": components["schemas"]["WaitingRoomSettings"];
                };
            };
            /** @description `VALIDATION_FAILED`: The request is malformed: a path, query, header or body value breaks its schema, or the body is not JSON. */
            400: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "VALIDATION_FAILED";
                        };
                    };
                };
            };
            /** @description `ADMIN_UNAUTHORIZED`: The admin API needs the admin bearer token, and the request has none or another. */
            401: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "ADMIN_UNAUTHORIZED";
                        };
                    };
                };
            };
            /** @description `ADMIN_DISABLED`: The admin API is disabled: the server runs without ADMIN_TOKEN. */
            403: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "ADMIN_DISABLED";
                        };
                    };
                };
            };
            /** @description `CONCERT_NOT_FOUND`: No concert has this id. */
            404: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "CONCERT_NOT_FOUND";
                        };
                    };
                };
            };
            /** @description `METHOD_NOT_ALLOWED`: The path exists but not with this method; the `Allow` header lists the methods it has. */
            405: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    Allow: components["headers"]["Allow"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "METHOD_NOT_ALLOWED";
                        };
                    };
                };
            };
            /** @description `PAYLOAD_TOO_LARGE`: The request body is over the size limit. */
            413: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "PAYLOAD_TOO_LARGE";
                        };
                    };
                };
            };
            /** @description `INTERNAL_ERROR`: The server failed to answer (a bug); the request id finds it in the server's log. */
            500: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "INTERNAL_ERROR";
                        };
                    };
                };
            };
            /**
             * @description `OVERLOADED`: Too many requests wait for the same resource, or the waiting room is full; retry after `Retry-After` seconds.
             *
             *     `JOURNAL_UNAVAILABLE`: The journal cannot make changes durable (a failed disk, say); nothing was changed. Retry on another server.
             *
             *     `SHARD_UNAVAILABLE`: Only in a cluster: the shard that owns this key (or, for a list, one of the shards it spans) is down or restarting, or the key belongs to another shard than the one asked; retry after `Retry-After` seconds.
             */
            503: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    "Retry-After": components["headers"]["RetryAfter"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "OVERLOADED" | "JOURNAL_UNAVAILABLE" | "SHARD_UNAVAILABLE";
                        };
                    };
                };
            };
        };
    };
    getBalance: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                userId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The balance in won */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "userId": "alice",
                     *       "balance": 200000
                     *     }
                     */
                    "application/json": components["schemas"]["Balance"];
                };
            };
            /** @description `VALIDATION_FAILED`: The request is malformed: a path, query, header or body value breaks its schema, or the body is not JSON. */
            400: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "VALIDATION_FAILED";
                        };
                    };
                };
            };
            /** @description `METHOD_NOT_ALLOWED`: The path exists but not with this method; the `Allow` header lists the methods it has. */
            405: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    Allow: components["headers"]["Allow"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "METHOD_NOT_ALLOWED";
                        };
                    };
                };
            };
            /** @description `INTERNAL_ERROR`: The server failed to answer (a bug); the request id finds it in the server's log. */
            500: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "INTERNAL_ERROR";
                        };
                    };
                };
            };
            /**
             * @description `OVERLOADED`: Too many requests wait for the same resource, or the waiting room is full; retry after `Retry-After` seconds.
             *
             *     `JOURNAL_UNAVAILABLE`: The journal cannot make changes durable (a failed disk, say); nothing was changed. Retry on another server.
             *
             *     `SHARD_UNAVAILABLE`: Only in a cluster: the shard that owns this key (or, for a list, one of the shards it spans) is down or restarting, or the key belongs to another shard than the one asked; retry after `Retry-After` seconds.
             */
            503: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    "Retry-After": components["headers"]["RetryAfter"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "OVERLOADED" | "JOURNAL_UNAVAILABLE" | "SHARD_UNAVAILABLE";
                        };
                    };
                };
            };
        };
    };
    chargeBalance: {
        parameters: {
            query?: never;
            header?: {
                /** @description Idempotency-Key: 1..128 printable characters */
                "idempotency-key"?: string;
            };
            path: {
                userId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "amount": 200000
                 *     }
                 */
                "application/json": components["schemas"]["ChargeRequest"];
            };
        };
        responses: {
            /** @description The new balance and the ledger transaction id */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "userId": "alice",
                     *       "balance": 200000,
                     *       "transactionId": "tX3mK7qZ1vB9nW5rJ2pLd"
                     *     }
                     */
                    "application/json": components["schemas"]["ChargeReceipt"];
                };
            };
            /** @description `VALIDATION_FAILED`: The request is malformed: a path, query, header or body value breaks its schema, or the body is not JSON. */
            400: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "VALIDATION_FAILED";
                        };
                    };
                };
            };
            /** @description `METHOD_NOT_ALLOWED`: The path exists but not with this method; the `Allow` header lists the methods it has. */
            405: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    Allow: components["headers"]["Allow"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "METHOD_NOT_ALLOWED";
                        };
                    };
                };
            };
            /** @description `PAYLOAD_TOO_LARGE`: The request body is over the size limit. */
            413: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "PAYLOAD_TOO_LARGE";
                        };
                    };
                };
            };
            /**
             * @description `BALANCE_LIMIT_EXCEEDED`: The charge would take the balance over its limit (`balance` is the balance now).
             *
             *     `IDEMPOTENCY_KEY_REUSED`: The Idempotency-Key was already used by this user for a different request.
             */
            422: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "BALANCE_LIMIT_EXCEEDED" | "IDEMPOTENCY_KEY_REUSED";
                        };
                    };
                };
            };
            /** @description `INTERNAL_ERROR`: The server failed to answer (a bug); the request id finds it in the server's log. */
            500: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "INTERNAL_ERROR";
                        };
                    };
                };
            };
            /**
             * @description `OVERLOADED`: Too many requests wait for the same resource, or the waiting room is full; retry after `Retry-After` seconds.
             *
             *     `JOURNAL_UNAVAILABLE`: The journal cannot make changes durable (a failed disk, say); nothing was changed. Retry on another server.
             *
             *     `SHARD_UNAVAILABLE`: Only in a cluster: the shard that owns this key (or, for a list, one of the shards it spans) is down or restarting, or the key belongs to another shard than the one asked; retry after `Retry-After` seconds.
             */
            503: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    "Retry-After": components["headers"]["RetryAfter"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "OVERLOADED" | "JOURNAL_UNAVAILABLE" | "SHARD_UNAVAILABLE";
                        };
                    };
                };
            };
        };
    };
    listBalanceTransactions: {
        parameters: {
            query?: {
                limit?: string;
            };
            header?: never;
            path: {
                userId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Ledger transactions; amount is positive and type gives the direction */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "userId": "alice",
                     *       "transactions": [
                     *         {
                     *           "transactionId": "pA9nR2s5Tb8wQe1yLc4Vx",
                     *           "type": "PAYMENT",
                     *           "amount": 100000,
                     *           "balanceAfter": 100000,
                     *           "createdAt": "2026-11-01T10:02:13.412Z"
                     *         },
                     *         {
                     *           "transactionId": "tX3mK7qZ1vB9nW5rJ2pLd",
                     *           "type": "CHARGE",
                     *           "amount": 200000,
                     *           "balanceAfter": 200000,
                     *           "createdAt": "2026-11-01T10:00:00.000Z"
                     *         }
                     *       ]
                     *     }
                     */
                    "application/json": components["schemas"]["TransactionList"];
                };
            };
            /** @description `VALIDATION_FAILED`: The request is malformed: a path, query, header or body value breaks its schema, or the body is not JSON. */
            400: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "VALIDATION_FAILED";
                        };
                    };
                };
            };
            /** @description `METHOD_NOT_ALLOWED`: The path exists but not with this method; the `Allow` header lists the methods it has. */
            405: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    Allow: components["headers"]["Allow"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "METHOD_NOT_ALLOWED";
                        };
                    };
                };
            };
            /** @description `INTERNAL_ERROR`: The server failed to answer (a bug); the request id finds it in the server's log. */
            500: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "INTERNAL_ERROR";
                        };
                    };
                };
            };
            /**
             * @description `OVERLOADED`: Too many requests wait for the same resource, or the waiting room is full; retry after `Retry-After` seconds.
             *
             *     `JOURNAL_UNAVAILABLE`: The journal cannot make changes durable (a failed disk, say); nothing was changed. Retry on another server.
             *
             *     `SHARD_UNAVAILABLE`: Only in a cluster: the shard that owns this key (or, for a list, one of the shards it spans) is down or restarting, or the key belongs to another shard than the one asked; retry after `Retry-After` seconds.
             */
            503: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    "Retry-After": components["headers"]["RetryAfter"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "OVERLOADED" | "JOURNAL_UNAVAILABLE" | "SHARD_UNAVAILABLE";
                        };
                    };
                };
            };
        };
    };
    holdSeats: {
        parameters: {
            query?: never;
            header?: {
                /** @description Idempotency-Key: 1..128 printable characters */
                "idempotency-key"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "scheduleId": "Uakgb_J5m9g-0JDMbcJqL",
                 *       "seatNumbers": [
                 *         7,
                 *         8
                 *       ]
                 *     }
                 */
                "application/json": components["schemas"]["HoldRequest"];
            };
        };
        responses: {
            /** @description The seats are held until expiresAt */
            201: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "reservationId": "Xh7Qd2oP9sLk4TmWbN1aZ",
                     *       "userId": "alice",
                     *       "concertId": "V1StGXR8_Z5jdHi6B-myT",
                     *       "scheduleId": "Uakgb_J5m9g-0JDMbcJqL",
                     *       "seatNumbers": [
                     *         7,
                     *         8
                     *       ],
                     *       "status": "HELD",
                     *       "amount": 100000,
                     *       "expiresAt": "2026-11-01T10:05:00.000Z",
                     *       "paidAt": null
                     *     }
                     */
                    "application/json": components["schemas"]["Reservation"];
                };
            };
            /** @description `VALIDATION_FAILED`: The request is malformed: a path, query, header or body value breaks its schema, or the body is not JSON. */
            400: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "VALIDATION_FAILED";
                        };
                    };
                };
            };
            /**
             * @description `TOKEN_INVALID`: The queue token is missing, malformed or unknown.
             *
             *     `TOKEN_EXPIRED`: The queue token has expired, was used by a payment, or was given up.
             */
            401: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "TOKEN_INVALID" | "TOKEN_EXPIRED";
                        };
                    };
                };
            };
            /**
             * @description `TOKEN_NOT_ACTIVE`: The queue token is still waiting its turn; `position` is its place (null before the queue opens).
             *
             *     `TOKEN_CONCERT_MISMATCH`: The queue token is for another concert than the schedule or reservation.
             */
            403: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "TOKEN_NOT_ACTIVE" | "TOKEN_CONCERT_MISMATCH";
                        };
                    };
                };
            };
            /**
             * @description `SCHEDULE_NOT_FOUND`: No schedule has this id.
             *
             *     `SEAT_NOT_FOUND`: A seat number is outside the schedule (`seatNumbers` lists them).
             */
            404: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "SCHEDULE_NOT_FOUND" | "SEAT_NOT_FOUND";
                        };
                    };
                };
            };
            /** @description `METHOD_NOT_ALLOWED`: The path exists but not with this method; the `Allow` header lists the methods it has. */
            405: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    Allow: components["headers"]["Allow"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "METHOD_NOT_ALLOWED";
                        };
                    };
                };
            };
            /**
             * @description `SEAT_UNAVAILABLE`: A seat is already held or booked (`seatNumbers` lists them); no seat was held.
             *
             *     `HOLD_LIMIT_REACHED`: The user would hold or own more seats of the schedule than a user may.
             */
            409: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "SEAT_UNAVAILABLE" | "HOLD_LIMIT_REACHED";
                        };
                    };
                };
            };
            /** @description `PAYLOAD_TOO_LARGE`: The request body is over the size limit. */
            413: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "PAYLOAD_TOO_LARGE";
                        };
                    };
                };
            };
            /** @description `IDEMPOTENCY_KEY_REUSED`: The Idempotency-Key was already used by this user for a different request. */
            422: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "IDEMPOTENCY_KEY_REUSED";
                        };
                    };
                };
            };
            /** @description `INTERNAL_ERROR`: The server failed to answer (a bug); the request id finds it in the server's log. */
            500: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "INTERNAL_ERROR";
                        };
                    };
                };
            };
            /**
             * @description `OVERLOADED`: Too many requests wait for the same resource, or the waiting room is full; retry after `Retry-After` seconds.
             *
             *     `JOURNAL_UNAVAILABLE`: The journal cannot make changes durable (a failed disk, say); nothing was changed. Retry on another server.
             *
             *     `SHARD_UNAVAILABLE`: Only in a cluster: the shard that owns this key (or, for a list, one of the shards it spans) is down or restarting, or the key belongs to another shard than the one asked; retry after `Retry-After` seconds.
             */
            503: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    "Retry-After": components["headers"]["RetryAfter"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "OVERLOADED" | "JOURNAL_UNAVAILABLE" | "SHARD_UNAVAILABLE";
                        };
                    };
                };
            };
        };
    };
    getReservation: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                reservationId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The reservation */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "reservationId": "Xh7Qd2oP9sLk4TmWbN1aZ",
                     *       "userId": "alice",
                     *       "concertId": "V1StGXR8_Z5jdHi6B-myT",
                     *       "scheduleId": "Uakgb_J5m9g-0JDMbcJqL",
                     *       "seatNumbers": [
                     *         7,
                     *         8
                     *       ],
                     *       "status": "HELD",
                     *       "amount": 100000,
                     *       "expiresAt": "2026-11-01T10:05:00.000Z",
                     *       "paidAt": null
                     *     }
                     */
                    "application/json": components["schemas"]["Reservation"];
                };
            };
            /** @description `VALIDATION_FAILED`: The request is malformed: a path, query, header or body value breaks its schema, or the body is not JSON. */
            400: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "VALIDATION_FAILED";
                        };
                    };
                };
            };
            /** @description `RESERVATION_NOT_FOUND`: No reservation has this id. */
            404: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "RESERVATION_NOT_FOUND";
                        };
                    };
                };
            };
            /** @description `METHOD_NOT_ALLOWED`: The path exists but not with this method; the `Allow` header lists the methods it has. */
            405: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    Allow: components["headers"]["Allow"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "METHOD_NOT_ALLOWED";
                        };
                    };
                };
            };
            /** @description `INTERNAL_ERROR`: The server failed to answer (a bug); the request id finds it in the server's log. */
            500: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "INTERNAL_ERROR";
                        };
                    };
                };
            };
            /**
             * @description `OVERLOADED`: Too many requests wait for the same resource, or the waiting room is full; retry after `Retry-After` seconds.
             *
             *     `JOURNAL_UNAVAILABLE`: The journal cannot make changes durable (a failed disk, say); nothing was changed. Retry on another server.
             *
             *     `SHARD_UNAVAILABLE`: Only in a cluster: the shard that owns this key (or, for a list, one of the shards it spans) is down or restarting, or the key belongs to another shard than the one asked; retry after `Retry-After` seconds.
             */
            503: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    "Retry-After": components["headers"]["RetryAfter"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "OVERLOADED" | "JOURNAL_UNAVAILABLE" | "SHARD_UNAVAILABLE";
                        };
                    };
                };
            };
        };
    };
    cancelReservation: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                reservationId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The reservation, now CANCELLED */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "reservationId": "Xh7Qd2oP9sLk4TmWbN1aZ",
                     *       "userId": "alice",
                     *       "concertId": "V1StGXR8_Z5jdHi6B-myT",
                     *       "scheduleId": "Uakgb_J5m9g-0JDMbcJqL",
                     *       "seatNumbers": [
                     *         7,
                     *         8
                     *       ],
                     *       "status": "CANCELLED",
                     *       "amount": 100000,
                     *       "expiresAt": "2026-11-01T10:05:00.000Z",
                     *       "paidAt": null
                     *     }
                     */
                    "application/json": components["schemas"]["Reservation"];
                };
            };
            /** @description `VALIDATION_FAILED`: The request is malformed: a path, query, header or body value breaks its schema, or the body is not JSON. */
            400: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "VALIDATION_FAILED";
                        };
                    };
                };
            };
            /**
             * @description `TOKEN_INVALID`: The queue token is missing, malformed or unknown.
             *
             *     `TOKEN_EXPIRED`: The queue token has expired, was used by a payment, or was given up.
             */
            401: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "TOKEN_INVALID" | "TOKEN_EXPIRED";
                        };
                    };
                };
            };
            /**
             * @description `TOKEN_NOT_ACTIVE`: The queue token is still waiting its turn; `position` is its place (null before the queue opens).
             *
             *     `TOKEN_CONCERT_MISMATCH`: The queue token is for another concert than the schedule or reservation.
             *
             *     `NOT_OWNER`: The reservation belongs to another user.
             */
            403: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "TOKEN_NOT_ACTIVE" | "TOKEN_CONCERT_MISMATCH" | "NOT_OWNER";
                        };
                    };
                };
            };
            /** @description `RESERVATION_NOT_FOUND`: No reservation has this id. */
            404: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "RESERVATION_NOT_FOUND";
                        };
                    };
                };
            };
            /** @description `METHOD_NOT_ALLOWED`: The path exists but not with this method; the `Allow` header lists the methods it has. */
            405: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    Allow: components["headers"]["Allow"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "METHOD_NOT_ALLOWED";
                        };
                    };
                };
            };
            /** @description `RESERVATION_NOT_HELD`: The reservation is no longer held: it was paid, cancelled or has expired. */
            409: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "RESERVATION_NOT_HELD";
                        };
                    };
                };
            };
            /** @description `PAYLOAD_TOO_LARGE`: The request body is over the size limit. */
            413: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "PAYLOAD_TOO_LARGE";
                        };
                    };
                };
            };
            /** @description `INTERNAL_ERROR`: The server failed to answer (a bug); the request id finds it in the server's log. */
            500: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "INTERNAL_ERROR";
                        };
                    };
                };
            };
            /**
             * @description `OVERLOADED`: Too many requests wait for the same resource, or the waiting room is full; retry after `Retry-After` seconds.
             *
             *     `JOURNAL_UNAVAILABLE`: The journal cannot make changes durable (a failed disk, say); nothing was changed. Retry on another server.
             *
             *     `SHARD_UNAVAILABLE`: Only in a cluster: the shard that owns this key (or, for a list, one of the shards it spans) is down or restarting, or the key belongs to another shard than the one asked; retry after `Retry-After` seconds.
             */
            503: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    "Retry-After": components["headers"]["RetryAfter"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "OVERLOADED" | "JOURNAL_UNAVAILABLE" | "SHARD_UNAVAILABLE";
                        };
                    };
                };
            };
        };
    };
    listUserReservations: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                userId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The user's reservations */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "userId": "alice",
                     *       "reservations": [
                     *         {
                     *           "reservationId": "Xh7Qd2oP9sLk4TmWbN1aZ",
                     *           "userId": "alice",
                     *           "concertId": "V1StGXR8_Z5jdHi6B-myT",
                     *           "scheduleId": "Uakgb_J5m9g-0JDMbcJqL",
                     *           "seatNumbers": [
                     *             7,
                     *             8
                     *           ],
                     *           "status": "CONFIRMED",
                     *           "amount": 100000,
                     *           "expiresAt": "2026-11-01T10:05:00.000Z",
                     *           "paidAt": "2026-11-01T10:02:13.412Z"
                     *         }
                     *       ]
                     *     }
                     */
                    "application/json": components["schemas"]["ReservationList"];
                };
            };
            /** @description `VALIDATION_FAILED`: The request is malformed: a path, query, header or body value breaks its schema, or the body is not JSON. */
            400: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "VALIDATION_FAILED";
                        };
                    };
                };
            };
            /** @description `METHOD_NOT_ALLOWED`: The path exists but not with this method; the `Allow` header lists the methods it has. */
            405: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    Allow: components["headers"]["Allow"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "METHOD_NOT_ALLOWED";
                        };
                    };
                };
            };
            /** @description `INTERNAL_ERROR`: The server failed to answer (a bug); the request id finds it in the server's log. */
            500: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "INTERNAL_ERROR";
                        };
                    };
                };
            };
            /**
             * @description `OVERLOADED`: Too many requests wait for the same resource, or the waiting room is full; retry after `Retry-After` seconds.
             *
             *     `JOURNAL_UNAVAILABLE`: The journal cannot make changes durable (a failed disk, say); nothing was changed. Retry on another server.
             *
             *     `SHARD_UNAVAILABLE`: Only in a cluster: the shard that owns this key (or, for a list, one of the shards it spans) is down or restarting, or the key belongs to another shard than the one asked; retry after `Retry-After` seconds.
             */
            503: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    "Retry-After": components["headers"]["RetryAfter"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "OVERLOADED" | "JOURNAL_UNAVAILABLE" | "SHARD_UNAVAILABLE";
                        };
                    };
                };
            };
        };
    };
    payReservation: {
        parameters: {
            query?: never;
            header?: {
                /** @description Idempotency-Key: 1..128 printable characters */
                "idempotency-key"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "reservationId": "Xh7Qd2oP9sLk4TmWbN1aZ"
                 *     }
                 */
                "application/json": components["schemas"]["PaymentRequest"];
            };
        };
        responses: {
            /** @description Paid: the reservation is CONFIRMED and its seats BOOKED */
            201: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "paymentId": "pA9nR2s5Tb8wQe1yLc4Vx",
                     *       "reservationId": "Xh7Qd2oP9sLk4TmWbN1aZ",
                     *       "userId": "alice",
                     *       "amount": 100000,
                     *       "balance": 100000,
                     *       "status": "COMPLETED",
                     *       "paidAt": "2026-11-01T10:02:13.412Z"
                     *     }
                     */
                    "application/json": components["schemas"]["Payment"];
                };
            };
            /** @description `VALIDATION_FAILED`: The request is malformed: a path, query, header or body value breaks its schema, or the body is not JSON. */
            400: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "VALIDATION_FAILED";
                        };
                    };
                };
            };
            /**
             * @description `TOKEN_INVALID`: The queue token is missing, malformed or unknown.
             *
             *     `TOKEN_EXPIRED`: The queue token has expired, was used by a payment, or was given up.
             */
            401: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "TOKEN_INVALID" | "TOKEN_EXPIRED";
                        };
                    };
                };
            };
            /** @description `INSUFFICIENT_BALANCE`: The balance is below the reservation's amount (`balance` and `amount` say by how much); nothing changes and the hold stays. */
            402: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "INSUFFICIENT_BALANCE";
                        };
                    };
                };
            };
            /**
             * @description `TOKEN_NOT_ACTIVE`: The queue token is still waiting its turn; `position` is its place (null before the queue opens).
             *
             *     `TOKEN_CONCERT_MISMATCH`: The queue token is for another concert than the schedule or reservation.
             *
             *     `NOT_OWNER`: The reservation belongs to another user.
             */
            403: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "TOKEN_NOT_ACTIVE" | "TOKEN_CONCERT_MISMATCH" | "NOT_OWNER";
                        };
                    };
                };
            };
            /** @description `RESERVATION_NOT_FOUND`: No reservation has this id. */
            404: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "RESERVATION_NOT_FOUND";
                        };
                    };
                };
            };
            /** @description `METHOD_NOT_ALLOWED`: The path exists but not with this method; the `Allow` header lists the methods it has. */
            405: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    Allow: components["headers"]["Allow"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "METHOD_NOT_ALLOWED";
                        };
                    };
                };
            };
            /**
             * @description `ALREADY_PAID`: The reservation is already paid.
             *
             *     `PAYMENT_IN_PROGRESS`: Another payment of this reservation is under way, or (in a cluster) this payment waits for the shard of the payer's wallet and goes on; retry with the same Idempotency-Key to get its outcome, or after it ends.
             *
             *     `FUNDS_PENDING_LIMIT_REACHED`: The wallet already has as many payments in flight as it may; the payment was aborted and no money was taken.
             */
            409: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "ALREADY_PAID" | "PAYMENT_IN_PROGRESS" | "FUNDS_PENDING_LIMIT_REACHED";
                        };
                    };
                };
            };
            /** @description `HOLD_EXPIRED`: The hold expired or was cancelled before the payment; no money was taken. */
            410: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "HOLD_EXPIRED";
                        };
                    };
                };
            };
            /** @description `PAYLOAD_TOO_LARGE`: The request body is over the size limit. */
            413: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "PAYLOAD_TOO_LARGE";
                        };
                    };
                };
            };
            /** @description `IDEMPOTENCY_KEY_REUSED`: The Idempotency-Key was already used by this user for a different request. */
            422: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "IDEMPOTENCY_KEY_REUSED";
                        };
                    };
                };
            };
            /** @description `INTERNAL_ERROR`: The server failed to answer (a bug); the request id finds it in the server's log. */
            500: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "INTERNAL_ERROR";
                        };
                    };
                };
            };
            /**
             * @description `OVERLOADED`: Too many requests wait for the same resource, or the waiting room is full; retry after `Retry-After` seconds.
             *
             *     `JOURNAL_UNAVAILABLE`: The journal cannot make changes durable (a failed disk, say); nothing was changed. Retry on another server.
             *
             *     `SHARD_UNAVAILABLE`: Only in a cluster: the shard that owns this key (or, for a list, one of the shards it spans) is down or restarting, or the key belongs to another shard than the one asked; retry after `Retry-After` seconds.
             */
            503: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    "Retry-After": components["headers"]["RetryAfter"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "OVERLOADED" | "JOURNAL_UNAVAILABLE" | "SHARD_UNAVAILABLE";
                        };
                    };
                };
            };
        };
    };
    getHealth: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Serving */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "status": "ok",
                     *       "journalSeq": 1042,
                     *       "uptimeSeconds": 3600
                     *     }
                     */
                    "application/json": components["schemas"]["Health"];
                };
            };
            /** @description `METHOD_NOT_ALLOWED`: The path exists but not with this method; the `Allow` header lists the methods it has. */
            405: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    Allow: components["headers"]["Allow"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "METHOD_NOT_ALLOWED";
                        };
                    };
                };
            };
            /** @description `INTERNAL_ERROR`: The server failed to answer (a bug); the request id finds it in the server's log. */
            500: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "INTERNAL_ERROR";
                        };
                    };
                };
            };
            /** @description The journal failed; writes are refused */
            503: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "status": "failed",
                     *       "journalSeq": 1042,
                     *       "uptimeSeconds": 3600
                     *     }
                     */
                    "application/json": components["schemas"]["Health"];
                };
            };
        };
    };
    getReadiness: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Ready: send requests */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "status": "ready"
                     *     }
                     */
                    "application/json": components["schemas"]["Readiness"];
                };
            };
            /** @description `METHOD_NOT_ALLOWED`: The path exists but not with this method; the `Allow` header lists the methods it has. */
            405: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    Allow: components["headers"]["Allow"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "METHOD_NOT_ALLOWED";
                        };
                    };
                };
            };
            /** @description `INTERNAL_ERROR`: The server failed to answer (a bug); the request id finds it in the server's log. */
            500: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "INTERNAL_ERROR";
                        };
                    };
                };
            };
            /**
             * @description `JOURNAL_UNAVAILABLE`: The journal cannot make changes durable (a failed disk, say); nothing was changed. Retry on another server.
             *
             *     `DRAINING`: The server is draining before it stops; send requests to another server.
             */
            503: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    "Retry-After": components["headers"]["RetryAfter"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "JOURNAL_UNAVAILABLE" | "DRAINING";
                        };
                    };
                };
            };
        };
    };
    getMetrics: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Every series, for a Prometheus scrape */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example # HELP app_holds_total Seat hold requests answered, by outcome (HELD or the rejection code)
                     *     # TYPE app_holds_total counter
                     *     app_holds_total{outcome="HELD"} 42
                     */
                    "text/plain": string;
                };
            };
            /** @description `METHOD_NOT_ALLOWED`: The path exists but not with this method; the `Allow` header lists the methods it has. */
            405: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    Allow: components["headers"]["Allow"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "METHOD_NOT_ALLOWED";
                        };
                    };
                };
            };
            /** @description `INTERNAL_ERROR`: The server failed to answer (a bug); the request id finds it in the server's log. */
            500: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "INTERNAL_ERROR";
                        };
                    };
                };
            };
        };
    };
    getOpenApiDocument: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The document */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        [key: string]: unknown;
                    };
                };
            };
            /** @description `METHOD_NOT_ALLOWED`: The path exists but not with this method; the `Allow` header lists the methods it has. */
            405: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    Allow: components["headers"]["Allow"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "METHOD_NOT_ALLOWED";
                        };
                    };
                };
            };
            /** @description `INTERNAL_ERROR`: The server failed to answer (a bug); the request id finds it in the server's log. */
            500: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "INTERNAL_ERROR";
                        };
                    };
                };
            };
        };
    };
    getDocsPage: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The page */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "text/html": string;
                };
            };
            /** @description `METHOD_NOT_ALLOWED`: The path exists but not with this method; the `Allow` header lists the methods it has. */
            405: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    Allow: components["headers"]["Allow"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "METHOD_NOT_ALLOWED";
                        };
                    };
                };
            };
            /** @description `INTERNAL_ERROR`: The server failed to answer (a bug); the request id finds it in the server's log. */
            500: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "INTERNAL_ERROR";
                        };
                    };
                };
            };
        };
    };
    getDocsAsset: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                file: "swagger-ui.css" | "swagger-ui-bundle.js" | "favicon-32x32.png" | "favicon-16x16.png" | "docs-init.js";
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The file */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "text/css": string;
                    "text/javascript": string;
                    "image/png": string;
                };
            };
            /** @description `VALIDATION_FAILED`: The request is malformed: a path, query, header or body value breaks its schema, or the body is not JSON. */
            400: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "VALIDATION_FAILED";
                        };
                    };
                };
            };
            /** @description `METHOD_NOT_ALLOWED`: The path exists but not with this method; the `Allow` header lists the methods it has. */
            405: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    Allow: components["headers"]["Allow"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "METHOD_NOT_ALLOWED";
                        };
                    };
                };
            };
            /** @description `INTERNAL_ERROR`: The server failed to answer (a bug); the request id finds it in the server's log. */
            500: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"] & {
                        error: {
                            /** @enum {string} */
                            code: "INTERNAL_ERROR";
                        };
                    };
                };
            };
        };
    };
}
