/** The machine a run was measured on, printed and stored beside every result. */
import { cpus, loadavg, release, totalmem, type } from "node:os";

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  /** One-minute load average when the run started: a busy shared machine shows here. */
  loadAverage1m: number;
  /** How the engine's journal runs: fixed in the engine, not switchable, so stated rather than set. */
  journal: { engine: string; synchronous: string; journalMode: string };
}

export function machineInfo(journalMode: string): MachineInfo {
  const processors = cpus();
  return {
    cpuModel: processors[0]?.model.trim() ?? "unknown",
    cores: processors.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${type()} ${release()}`,
    node: process.version,
    loadAverage1m: Math.round((loadavg()[0] ?? 0) * 100) / 100,
    journal: {
      engine: "SQLite (better-sqlite3), fresh temporary file per scenario",
      synchronous: "FULL",
      journalMode,
    },
  };
}

export function describeMachine(machine: MachineInfo, withJournal = true): string {
  const lines = [
    `machine: ${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.os}, Node ${machine.node}, load ${machine.loadAverage1m}`,
  ];
  if (withJournal) {
    lines.push(
      `journal: ${machine.journal.engine}, synchronous=${machine.journal.synchronous}, journal_mode=${machine.journal.journalMode}`,
    );
  }
  return lines.join("\n");
}
