// @coral-xyz/anchor ships CommonJS for Node (whose named exports Node's ESM loader cannot
// detect) and ESM for bundlers. Take the module object from whichever form loaded.
import * as ns from "@coral-xyz/anchor";

type Anchor = typeof import("@coral-xyz/anchor");
const mod: Anchor = ((ns as any).default?.BorshCoder ? (ns as any).default : ns) as Anchor;

export const { BN, Program, BorshCoder, EventParser, LangErrorCode, LangErrorMessage } = mod;
export type { Idl, Provider } from "@coral-xyz/anchor";
export type BN = InstanceType<Anchor["BN"]>;
export type Program = import("@coral-xyz/anchor").Program;
