// Offline checks: the IDL copy, PDAs, remaining-accounts layouts, v0 + lookup tables,
// formatting, previews' refusals on synthetic accounts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { AddressLookupTableAccount, Keypair, PublicKey } from "@solana/web3.js";
import {
  IDL, PROGRAM_ID, InstructionBuilder, buildV0Transaction, lookupTableAddresses, healthAccounts, exchangePda, vaultPda,
  marketPda, marginPda, isolatedPda, formatQuote, parseQuote, formatPrice, parsePrice, formatBase, parseBase, formatLeverage,
  formatPpm, decodeMarginAccount, encodeMarginAccount, MarginAccount, errorByCode, decodeError,
} from "../src/index.js";

const strip = (x: any): any =>
  Array.isArray(x) ? x.map(strip) : x && typeof x === "object" ? Object.fromEntries(Object.entries(x).filter(([k]) => k !== "docs").map(([k, v]) => [k, strip(v)])) : x;

test("src/idl.ts is idl/ballast.json (run `npm run sync-idl` after regenerating the IDL)", () => {
  const file = JSON.parse(readFileSync(new URL("../../../idl/ballast.json", import.meta.url), "utf8"));
  assert.deepEqual(strip(JSON.parse(JSON.stringify(IDL))), strip(file));
});

test("PDAs use the program's seeds", () => {
  const owner = new PublicKey("9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin");
  const enc = (s: string) => Buffer.from(s);
  assert.ok(exchangePda().equals(PublicKey.findProgramAddressSync([enc("exchange")], PROGRAM_ID)[0]));
  assert.ok(vaultPda().equals(PublicKey.findProgramAddressSync([enc("vault"), exchangePda().toBuffer()], PROGRAM_ID)[0]));
  assert.ok(marketPda(258).equals(PublicKey.findProgramAddressSync([enc("market"), Buffer.from([2, 1])], PROGRAM_ID)[0]));
  assert.ok(marginPda(owner, 3).equals(PublicKey.findProgramAddressSync([enc("margin"), owner.toBuffer(), Buffer.from([3, 0])], PROGRAM_ID)[0]));
  const m = marginPda(owner, 0);
  assert.ok(isolatedPda(m, 1).equals(PublicKey.findProgramAddressSync([enc("isolated"), m.toBuffer(), Buffer.from([1, 0])], PROGRAM_ID)[0]));
  assert.throws(() => marketPda(65_536));
});

function account(slots: { marketIndex: number; base: bigint; unsettled?: bigint; inUse?: boolean }[]): MarginAccount {
  const owner = Keypair.generate().publicKey;
  const a: MarginAccount = {
    version: 1, bump: 255, beingLiquidated: false, isolatedCount: 0, positionOpens: 0, subId: 0, owner, delegate: PublicKey.default,
    crossCollateral: 1_000_000n, lastActiveSlot: 0n, liquidationSlot: 0n,
    crossPositions: Array.from({ length: 16 }, (_, slot) => ({ slot, marketIndex: 0, leverage: 0, inUse: false, openId: 0, base: 0n, costBasis: 0n, unsettledPnl: 0n, fundingSnapshot: 0n })),
  };
  slots.forEach((s, i) => Object.assign(a.crossPositions[i], { marketIndex: s.marketIndex, inUse: s.inUse ?? true, base: s.base, unsettledPnl: s.unsettled ?? 0n, leverage: 10 }));
  return decodeMarginAccount(encodeMarginAccount(a)); // and the synthetic account round-trips
}

test("health accounts: [market, oracle] per slot in health, slot order, own market excluded", async () => {
  const oracles = new Map([5, 2, 9, 4].map((i) => [i, Keypair.generate().publicKey]));
  const a = account([
    { marketIndex: 5, base: 10n },
    { marketIndex: 2, base: 0n, unsettled: 7n }, // unsettled profit keeps it in health
    { marketIndex: 9, base: 0n }, // flat: not in health
    { marketIndex: 4, base: -3n, inUse: false }, // unused slot
  ]);
  const h = healthAccounts(a, oracles);
  assert.deepEqual(h.map(String), [marketPda(5), oracles.get(5)!, marketPda(2), oracles.get(2)!].map(String));
  assert.deepEqual(healthAccounts(a, oracles, 5).map(String), [marketPda(2), oracles.get(2)!].map(String));
  const ix = new InstructionBuilder();
  const owner = a.owner;
  const w = await ix.withdraw({ owner, marginAccount: marginPda(owner), destination: owner, amount: 1n, health: h });
  assert.equal(w.keys.length, 6 + 4);
  assert.deepEqual(w.keys.slice(6).map((k) => k.isWritable), [true, false, true, false]);
  const t = await ix.trade({ authority: owner, marginAccount: marginPda(owner), marketIndex: 5, oracle: oracles.get(5)!, baseDelta: 1n, limitPrice: 1n, mode: "Cross", leverage: 0, health: healthAccounts(a, oracles, 5) });
  assert.deepEqual(t.keys.slice(7).map((k) => [k.pubkey.toBase58(), k.isWritable]), [[marketPda(2).toBase58(), false], [oracles.get(2)!.toBase58(), false]]);
  const v = await ix.accountHealth({ marginAccount: marginPda(owner), health: h, isolated: [{ index: 9, oracle: oracles.get(9)! }] });
  assert.deepEqual(v.keys.slice(2 + 4).map((k) => k.pubkey.toBase58()), [isolatedPda(marginPda(owner), 9), marketPda(9), oracles.get(9)!].map(String));
  const p = await ix.setPause({ signer: owner, status: "Paused" });
  assert.equal(p.keys.length, 4); // optional accounts passed as the program id
  assert.ok(p.keys[2].pubkey.equals(PROGRAM_ID));
});

test("every IDL instruction has a builder", () => {
  const proto = Object.getOwnPropertyNames(InstructionBuilder.prototype);
  for (const i of IDL.instructions) {
    const name = i.name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
    assert.ok(proto.includes(name), `no builder for ${i.name}`);
  }
});

test("v0 transactions use a lookup table", async () => {
  const payer = Keypair.generate().publicKey;
  const owner = Keypair.generate().publicKey;
  const oracles = [Keypair.generate().publicKey, Keypair.generate().publicKey];
  const ix = await new InstructionBuilder().trade({ authority: owner, marginAccount: marginPda(owner), marketIndex: 0, oracle: oracles[0], baseDelta: 1n, limitPrice: 1n, mode: "Isolated", leverage: 5, health: [marketPda(1), oracles[1]] });
  const addresses = lookupTableAddresses(oracles.map((oracle, index) => ({ index, oracle })));
  const table = new AddressLookupTableAccount({ key: Keypair.generate().publicKey, state: { deactivationSlot: 2n ** 64n - 1n, lastExtendedSlot: 0, lastExtendedSlotStartIndex: 0, authority: undefined, addresses } });
  const plain = buildV0Transaction({ payer, instructions: [ix], recentBlockhash: PublicKey.default.toBase58() });
  const compressed = buildV0Transaction({ payer, instructions: [ix], recentBlockhash: PublicKey.default.toBase58(), lookupTables: [table] });
  assert.equal(compressed.message.addressTableLookups.length, 1);
  assert.ok(compressed.serialize().length < plain.serialize().length - 100);
});

test("formatting and parsing without floats", () => {
  assert.equal(formatQuote(1_234_567_890n), "1,234.56");
  assert.equal(formatQuote(-5_000_001n, 6, 6), "-5.000001");
  assert.equal(parseQuote("1,234.5"), 1_234_500_000n);
  assert.equal(formatPrice(50_010_000_500_000n, 6, 4), "50,010.0005");
  assert.equal(parsePrice("0.00001234"), 12_340n);
  assert.equal(formatBase(-2_500_000_000n), "-2.5");
  assert.equal(parseBase("0.001"), 1_000_000n);
  assert.equal(formatLeverage(7_692_308n), "7.69x");
  assert.equal(formatLeverage(null), "—");
  assert.equal(formatPpm(25_000), "2.5%");
  assert.throws(() => parseQuote("1.0000001"));
});

test("errors by code", () => {
  const e = IDL.errors.find((x) => x.name === "InsufficientMargin")!;
  assert.deepEqual(errorByCode(e.code), { code: e.code, name: "InsufficientMargin", message: e.msg, source: "ballast" });
  assert.equal(decodeError({ message: `failed: custom program error: 0x${e.code.toString(16)}` })?.name, "InsufficientMargin");
  assert.equal(decodeError(["no error here"]), null);
});
