/** Events (`Program data:` logs, decoded with the IDL's event coder) and errors. */
import { BN, BorshCoder, EventParser, LangErrorCode, LangErrorMessage, type Idl } from "./anchor.js";
import { PublicKey } from "@solana/web3.js";
import { PROGRAM_ID } from "./constants.js";
import { IDL } from "./idl.js";

const coder = new BorshCoder(IDL as unknown as Idl);

const camel = (k: string) => k.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** Converts Anchor's decoded values: `BN` → `bigint`, field names → camelCase, recursively. */
export function toBigints(v: unknown): any {
  if (BN.isBN(v)) return BigInt((v as any).toString());
  if (v instanceof PublicKey || v instanceof Uint8Array || v === null || typeof v !== "object") return v;
  if (Array.isArray(v)) return v.map(toBigints);
  return Object.fromEntries(Object.entries(v as object).map(([k, x]) => [camel(k), toBigints(x)]));
}

export interface BallastEvent {
  /** The IDL's event name, e.g. `TradeExecuted`. */
  name: string;
  /** Fields in camelCase, integers as `bigint`. */
  data: Record<string, any>;
}

/** Every Ballast event in a transaction's logs (only those the program itself emitted). */
export function parseEvents(logs: string[], programId: PublicKey = PROGRAM_ID): BallastEvent[] {
  const parser = new EventParser(programId, coder);
  const out: BallastEvent[] = [];
  for (const e of parser.parseLogs(logs)) out.push({ name: e.name, data: toBigints(e.data) });
  return out;
}

export interface DecodedError {
  code: number;
  /** The program's error name (IDL), or Anchor's framework name. */
  name: string;
  message: string;
  /** For math errors, the operation the program logged (`math: overflow in notional`). */
  mathDetail?: string;
  source: "ballast" | "anchor";
}

const programErrors = new Map<number, { name: string; msg: string }>(IDL.errors.map((e) => [e.code, { name: e.name, msg: e.msg }]));
const anchorNames = new Map<number, string>(Object.entries(LangErrorCode).map(([name, code]) => [code as number, name]));

/** Code → name and message, for the program's errors and Anchor's framework errors. */
export function errorByCode(code: number): DecodedError | null {
  const p = programErrors.get(code);
  if (p) return { code, name: p.name, message: p.msg, source: "ballast" };
  const n = anchorNames.get(code);
  if (n !== undefined) return { code, name: n, message: LangErrorMessage.get(code) ?? n, source: "anchor" };
  return null;
}

/** Code for a name (e.g. `errorCode("StrictIsolatedLocked")`). */
export function errorCode(name: string): number {
  for (const [code, e] of programErrors) if (e.name === name) return code;
  throw new Error(`no Ballast error named ${name}`);
}

/**
 * Decodes a failure into the program's error: from a code, from logs (`Error Number: N` or
 * `custom program error: 0x…`), or from an error object carrying `logs` (web3.js
 * `SendTransactionError`, Anchor errors) or a `{ InstructionError: [i, { Custom: n }] }`.
 */
export function decodeError(input: number | string[] | unknown): DecodedError | null {
  if (typeof input === "number") return errorByCode(input);
  let logs: string[] | undefined;
  let code: number | undefined;
  if (Array.isArray(input)) logs = input as string[];
  else if (input && typeof input === "object") {
    const o = input as any;
    logs = o.logs ?? o.transactionLogs ?? o.simulationResponse?.logs;
    const custom = o.InstructionError?.[1]?.Custom ?? o.err?.InstructionError?.[1]?.Custom ?? o.error?.errorCode?.number ?? o.code;
    if (typeof custom === "number") code = custom;
    if (code === undefined && typeof o.message === "string") {
      const mm = /custom program error: 0x([0-9a-f]+)/i.exec(o.message);
      if (mm) code = parseInt(mm[1], 16);
    }
  }
  let mathDetail: string | undefined;
  for (const l of logs ?? []) {
    const n = /Error Number: (\d+)/.exec(l);
    if (n && code === undefined) code = Number(n[1]);
    const c = /custom program error: 0x([0-9a-f]+)/i.exec(l);
    if (c && code === undefined) code = parseInt(c[1], 16);
    const mth = /Program log: (math: .*)$/.exec(l);
    if (mth) mathDetail = mth[1];
  }
  if (code === undefined) return null;
  const d = errorByCode(code);
  if (!d) return { code, name: `Unknown(${code})`, message: "not a Ballast or Anchor error", source: "ballast" };
  return mathDetail && d.name.startsWith("Math") ? { ...d, mathDetail } : d;
}
