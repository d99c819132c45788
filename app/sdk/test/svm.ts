// A litesvm harness for the SDK's integration tests: the program's own bytecode
// (target/deploy/ballast.so), real SPL Token accounts, transactions built with web3.js and
// handed to litesvm as bytes (litesvm's API takes @solana/kit transactions).
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { LiteSVM, FailedTransactionMetadata, Clock } from "litesvm";
import { getTransactionDecoder, type Address } from "@solana/kit";
import {
  ComputeBudgetProgram, Keypair, PublicKey, SystemProgram, TransactionInstruction, TransactionMessage, VersionedTransaction,
} from "@solana/web3.js";
import { PROGRAM_ID, TOKEN_PROGRAM_ID } from "../src/index.js";

/** The program under test: target/deploy/ballast.so of this checkout, or $BALLAST_SO. */
export const SO_PATH = process.env.BALLAST_SO ?? fileURLToPath(new URL("../../../target/deploy/ballast.so", import.meta.url));
export const addr = (k: PublicKey) => k.toBase58() as Address;

export interface TxResult {
  ok: boolean;
  logs: string[];
  returnData: Uint8Array;
  err?: string;
  computeUnits: bigint;
}

export class Svm {
  readonly svm: LiteSVM;
  readonly payer = Keypair.generate();
  constructor(startTime = 1_700_000_000n) {
    if (!existsSync(SO_PATH)) throw new Error(`program bytecode not found at ${SO_PATH} (build it with cargo build-sbf)`);
    this.svm = new LiteSVM().withSigverify(false);
    this.svm.addProgramFromFile(addr(PROGRAM_ID), SO_PATH);
    this.setTime(startTime);
    this.airdrop(this.payer.publicKey, 1_000_000_000_000n);
  }
  get now(): bigint {
    return this.svm.getClock().unixTimestamp;
  }
  setTime(t: bigint) {
    const c = this.svm.getClock();
    this.svm.setClock(new Clock(c.slot, c.epochStartTimestamp, c.epoch, c.leaderScheduleEpoch, t));
  }
  /** Moves the clock forward and to a new slot (fresh blockhash). */
  advance(secs: bigint) {
    const c = this.svm.getClock();
    this.svm.warpToSlot(c.slot + 1n + secs * 2n);
    const d = this.svm.getClock();
    this.svm.setClock(new Clock(d.slot, d.epochStartTimestamp, d.epoch, d.leaderScheduleEpoch, c.unixTimestamp + secs));
    this.svm.expireBlockhash();
  }
  airdrop(to: PublicKey, lamports: bigint) {
    this.svm.airdrop(addr(to), lamports as any);
  }
  data(key: PublicKey): Uint8Array | null {
    const a = this.svm.getAccount(addr(key));
    return a.exists ? Uint8Array.from(a.data) : null;
  }
  setAccount(key: PublicKey, owner: PublicKey, data: Uint8Array) {
    this.svm.setAccount({
      address: addr(key),
      data,
      executable: false,
      lamports: this.svm.minimumBalanceForRentExemption(BigInt(data.length)) as any,
      programAddress: addr(owner),
      space: BigInt(data.length),
    } as any);
  }
  private tx(ixs: TransactionInstruction[], signers: Keypair[]) {
    const msg = new TransactionMessage({
      payerKey: this.payer.publicKey,
      recentBlockhash: this.svm.latestBlockhash(),
      instructions: [ComputeBudgetProgram.setComputeUnitLimit({ units: 1_400_000 }), ...ixs],
    }).compileToV0Message();
    const tx = new VersionedTransaction(msg);
    tx.sign([this.payer, ...signers]);
    return getTransactionDecoder().decode(tx.serialize());
  }
  /** Sends a prepared (v0, possibly lookup-table) transaction, signed here by the payer and `signers`. */
  sendVersioned(tx: VersionedTransaction, signers: Keypair[] = []): TxResult {
    tx.message.recentBlockhash = this.svm.latestBlockhash();
    tx.sign([this.payer, ...signers]);
    const r = this.svm.sendTransaction(getTransactionDecoder().decode(tx.serialize()) as any);
    this.svm.expireBlockhash();
    return this.result(r);
  }
  send(ixs: TransactionInstruction[], signers: Keypair[] = []): TxResult {
    const r = this.svm.sendTransaction(this.tx(ixs, signers) as any);
    this.svm.expireBlockhash();
    return this.result(r);
  }
  simulate(ixs: TransactionInstruction[], signers: Keypair[] = []): TxResult {
    const r = this.svm.simulateTransaction(this.tx(ixs, signers) as any);
    if (r instanceof FailedTransactionMetadata) return this.result(r);
    return this.result(r.meta());
  }
  /** Simulates a serialized (possibly unsigned) transaction, as an RPC node with sigVerify off. */
  simulateRaw(bytes: Uint8Array): TxResult {
    const r = this.svm.simulateTransaction(getTransactionDecoder().decode(bytes) as any);
    if (r instanceof FailedTransactionMetadata) return this.result(r);
    return this.result(r.meta());
  }
  private result(r: any): TxResult {
    if (r instanceof FailedTransactionMetadata) {
      const m = r.meta();
      return { ok: false, logs: m.logs(), returnData: new Uint8Array(), err: r.toString(), computeUnits: m.computeUnitsConsumed() };
    }
    return { ok: true, logs: r.logs(), returnData: Uint8Array.from(r.returnData().data()), computeUnits: r.computeUnitsConsumed() };
  }
  /** Sends and throws with the logs if the transaction fails. */
  must(ixs: TransactionInstruction[], signers: Keypair[] = []): TxResult {
    const r = this.send(ixs, signers);
    if (!r.ok) throw new Error(`transaction failed: ${r.err}\n${r.logs.join("\n")}`);
    return r;
  }

  // ---- SPL Token, by raw instructions (no extra dependency) -----------------------------
  createMint(authority: PublicKey, decimals: number): PublicKey {
    const mint = Keypair.generate();
    const data = new Uint8Array(67);
    data[0] = 20; // InitializeMint2
    data[1] = decimals;
    data.set(authority.toBytes(), 2);
    data[34] = 0; // no freeze authority
    this.must(
      [
        SystemProgram.createAccount({ fromPubkey: this.payer.publicKey, newAccountPubkey: mint.publicKey, lamports: Number(this.svm.minimumBalanceForRentExemption(82n)), space: 82, programId: TOKEN_PROGRAM_ID }),
        new TransactionInstruction({ programId: TOKEN_PROGRAM_ID, keys: [{ pubkey: mint.publicKey, isSigner: false, isWritable: true }], data: Buffer.from(data) }),
      ],
      [mint],
    );
    return mint.publicKey;
  }
  createTokenAccount(mint: PublicKey, owner: PublicKey): PublicKey {
    const acct = Keypair.generate();
    const data = new Uint8Array(33);
    data[0] = 18; // InitializeAccount3
    data.set(owner.toBytes(), 1);
    this.must(
      [
        SystemProgram.createAccount({ fromPubkey: this.payer.publicKey, newAccountPubkey: acct.publicKey, lamports: Number(this.svm.minimumBalanceForRentExemption(165n)), space: 165, programId: TOKEN_PROGRAM_ID }),
        new TransactionInstruction({
          programId: TOKEN_PROGRAM_ID,
          keys: [{ pubkey: acct.publicKey, isSigner: false, isWritable: true }, { pubkey: mint, isSigner: false, isWritable: false }],
          data: Buffer.from(data),
        }),
      ],
      [acct],
    );
    return acct.publicKey;
  }
  mintTo(mint: PublicKey, to: PublicKey, authority: Keypair, amount: bigint) {
    const data = Buffer.alloc(9);
    data[0] = 7; // MintTo
    data.writeBigUInt64LE(amount, 1);
    this.must(
      [new TransactionInstruction({
        programId: TOKEN_PROGRAM_ID,
        keys: [{ pubkey: mint, isSigner: false, isWritable: true }, { pubkey: to, isSigner: false, isWritable: true }, { pubkey: authority.publicKey, isSigner: true, isWritable: false }],
        data,
      })],
      [authority],
    );
  }
  tokenBalance(account: PublicKey): bigint {
    const d = this.data(account)!;
    return Buffer.from(d).readBigUInt64LE(64);
  }
}
