// Keeps the local validator's push oracles fresh (fills need a price younger than the
// market's fill age, 30 s on localnet): every few seconds each market's price is
// republished with a small random walk. Started by scripts/app.sh; localnet only.
//   node --import tsx tools/price-pusher.ts <deployment.json> [--interval-ms 3000] [--still]
import { openLocalnet, pushPrice } from "./localnet";
import * as sdk from "@ballast/sdk";
import { PublicKey } from "@solana/web3.js";

const args = process.argv.slice(2);
const file = args[0] ?? "../../target/localnet/deployment.json";
const at = args.indexOf("--interval-ms");
const interval = at >= 0 ? Number(args[at + 1]) : 3000;
if (!(interval > 0)) throw new Error("--interval-ms takes a positive number");
const still = args.includes("--still");
const net = openLocalnet(file);
const prices = new Map<number, bigint>();

async function tick() {
  for (const m of net.deployment.markets) {
    let p = prices.get(m.market_index);
    if (p === undefined) {
      const info = await net.connection.getAccountInfo(new PublicKey(m.oracle), "confirmed");
      p = sdk.decodePushOracle(info!.data).price;
    }
    if (!still) p = (p * BigInt(1_000_000 + Math.round((Math.random() - 0.5) * 1_600))) / 1_000_000n; // ±0.08%
    prices.set(m.market_index, p);
    try {
      await pushPrice(net, m.market_index, p);
    } catch (e) {
      console.error(`price pusher: ${m.symbol}: ${e instanceof Error ? e.message : e}`);
    }
  }
}

console.log(`price pusher: ${net.deployment.markets.map((m) => m.symbol).join(", ")} every ${interval} ms on ${net.deployment.rpc_url}`);
for (;;) {
  await tick();
  await new Promise((r) => setTimeout(r, interval));
}
