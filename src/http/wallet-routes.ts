import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppDeps } from "./app.ts";
import { BALANCE, CHARGE_RECEIPT, CHARGE_REQUEST, TRANSACTION_LIST } from "./examples.ts";
import { documented, jsonBody, jsonResponse } from "./openapi-helpers.ts";
import { respond } from "./respond.ts";
import {
  Balance,
  ChargeBody,
  ChargeReceipt,
  IdempotencyHeaders,
  TRANSACTIONS_LIMIT_DEFAULT,
  TransactionList,
  TransactionQuery,
  UserParams,
} from "./schemas.ts";
import { chargeView, transactionView } from "./views.ts";

const getBalance = createRoute(
  documented(
    {
      method: "get",
      path: "/api/v1/users/{userId}/balance",
      operationId: "getBalance",
      tags: ["Balance"],
      summary: "A user's prepaid balance (0 for a new user)",
      request: { params: UserParams },
      responses: { 200: jsonResponse(Balance, "The balance in won", BALANCE) },
    },
    { access: "public", viaActor: true },
  ),
);

const charge = createRoute(
  documented(
    {
      method: "post",
      path: "/api/v1/users/{userId}/balance/charge",
      operationId: "chargeBalance",
      tags: ["Balance"],
      summary: "Add money to a balance",
      request: { params: UserParams, headers: IdempotencyHeaders, ...jsonBody(ChargeBody, CHARGE_REQUEST) },
      responses: {
        200: jsonResponse(ChargeReceipt, "The new balance and the ledger transaction id", CHARGE_RECEIPT),
      },
    },
    { access: "public", viaActor: true, codes: ["BALANCE_LIMIT_EXCEEDED", "IDEMPOTENCY_KEY_REUSED"] },
  ),
);

const listTransactions = createRoute(
  documented(
    {
      method: "get",
      path: "/api/v1/users/{userId}/balance/transactions",
      operationId: "listBalanceTransactions",
      tags: ["Balance"],
      summary: "A user's ledger, newest first",
      request: { params: UserParams, query: TransactionQuery },
      responses: {
        200: jsonResponse(
          TransactionList,
          "Ledger transactions; amount is positive and type gives the direction",
          TRANSACTION_LIST,
        ),
      },
    },
    { access: "public", viaActor: true },
  ),
);

export function registerWalletRoutes(app: OpenAPIHono, { engine }: AppDeps): void {
  app.openapi(getBalance, async (c) => {
    const { userId } = c.req.valid("param");
    return respond(c, await engine.balance(userId), 200, (balance) => ({ userId, balance }));
  });

  app.openapi(charge, async (c) => {
    const { userId } = c.req.valid("param");
    const { amount } = c.req.valid("json");
    const result = await engine.charge(userId, amount, c.req.valid("header")["idempotency-key"]);
    return respond(c, result, 200, chargeView);
  });

  app.openapi(listTransactions, async (c) => {
    const { userId } = c.req.valid("param");
    const limit = c.req.valid("query").limit ?? TRANSACTIONS_LIMIT_DEFAULT;
    return respond(c, await engine.transactions(userId, limit), 200, (transactions) => ({
      userId,
      transactions: transactions.map(transactionView),
    }));
  });
}
