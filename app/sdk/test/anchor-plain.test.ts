// The committed IDL serves a plain Anchor client, as a front-end developer would use it
// without the SDK: `program.methods.x(args).accounts({ only what cannot be derived })`.
// Anchor derives the exchange, the vault and the isolated position from the seeds the IDL
// declares (xtask/src/idl_seeds.rs); the program then accepts those transactions.
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Keypair, PublicKey } from "@solana/web3.js";
import { BN, Program } from "../src/anchor.js";
import { IDL } from "../src/idl.js";
import { exchangePda, isolatedPda, marketPda, vaultPda, decodeIsolatedPosition, decodeMarginAccount, decodeError } from "../src/index.js";
import { World, Trader } from "./bootstrap.js";

const USD = 1_000_000n;
const UNIT = 1_000_000_000n;
const ETH = 1;

let w: World;
let carol: Trader;
let program: InstanceType<typeof Program>;

/** A read-only Connection answering from the litesvm state (what Anchor's resolver fetches). */
function connection(): any {
  const info = (k: PublicKey) => {
    const a = w.svm.svm.getAccount(k.toBase58() as any);
    return a.exists ? { data: Buffer.from(a.data), owner: new PublicKey(a.programAddress), lamports: Number(a.lamports), executable: a.executable } : null;
  };
  return {
    getAccountInfo: async (k: PublicKey) => info(k),
    getAccountInfoAndContext: async (k: PublicKey) => ({ context: { slot: 0 }, value: info(k) }),
    getMultipleAccountsInfo: async (ks: PublicKey[]) => ks.map(info),
  };
}

const keys = (ix: { keys: { pubkey: PublicKey }[] }) => ix.keys.map((k) => k.pubkey.toBase58());

before(async () => {
  w = await new World().init();
  carol = await w.trader(5_000n * USD);
  w.svm.mintTo(w.mint, carol.token, w.mintAuthority, 1_000n * USD);
  program = new Program(IDL as any, { connection: connection() } as any);
});

describe("a plain Anchor client on the committed IDL", () => {
  test("every instruction and account carries docs, and the derivable PDAs carry seeds", () => {
    for (const ix of IDL.instructions as any[]) {
      assert.ok(ix.docs?.length, `instruction ${ix.name} has no docs`);
      for (const a of ix.accounts) {
        assert.ok(a.docs?.length, `${ix.name}.${a.name} has no docs`);
        if (a.name === "exchange" || a.name === "vault") assert.ok(a.pda, `${ix.name}.${a.name} declares no seeds`);
      }
    }
  });

  test("deposit: Anchor derives the exchange and the vault", async () => {
    const ix = await program.methods
      .deposit(new BN((1_000n * USD).toString()))
      .accounts({ authority: carol.kp.publicKey, marginAccount: carol.margin, source: carol.token } as any)
      .instruction();
    const k = keys(ix);
    assert.equal(k[1], exchangePda().toBase58());
    assert.equal(k[3], vaultPda().toBase58());
    const before = decodeMarginAccount(w.svm.data(carol.margin)!).crossCollateral;
    w.svm.must([ix], [carol.kp]);
    assert.equal(decodeMarginAccount(w.svm.data(carol.margin)!).crossCollateral, before + 1_000n * USD);
  });

  test("trade: Anchor derives the isolated position from the margin account and the market's index", async () => {
    const ix = await program.methods
      .trade(new BN(UNIT.toString()), new BN("18446744073709551615"), { isolated: {} }, 10)
      .accounts({ authority: carol.kp.publicKey, marginAccount: carol.margin, market: marketPda(ETH), oracle: w.oracles[ETH] } as any)
      .instruction();
    assert.equal(keys(ix)[5], isolatedPda(carol.margin, ETH).toBase58());
    w.svm.must([ix], [carol.kp]);
    const p = decodeIsolatedPosition(w.svm.data(isolatedPda(carol.margin, ETH))!);
    assert.equal(p.base, UNIT);
    assert.equal(p.leverage, 10);
  });

  test("a wrong derivation is refused by the program, and nothing changes", async () => {
    // Anchor derives what it is told; a client that passes a stranger's isolated position
    // gets the program's typed error.
    const stranger = Keypair.generate().publicKey;
    const ix = await program.methods
      .trade(new BN(UNIT.toString()), new BN("18446744073709551615"), { isolated: {} }, 10)
      .accounts({
        authority: carol.kp.publicKey, marginAccount: carol.margin, market: marketPda(ETH), oracle: w.oracles[ETH],
        isolatedPosition: isolatedPda(stranger, ETH),
      } as any)
      .instruction();
    const before = w.svm.data(carol.margin);
    const r = w.svm.send([ix], [carol.kp]);
    assert.equal(r.ok, false);
    assert.equal(decodeError(r.logs)?.name, "ConstraintSeeds");
    assert.deepEqual(w.svm.data(carol.margin), before);
  });
});
