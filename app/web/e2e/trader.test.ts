// The acceptance scenario, in real headless Chromium against a local validator running the
// program's bytecode (scripts/web-e2e.sh sets it all up and passes the addresses):
// a burner trader funds and deposits, opens an isolated BTC long at 10x, lowers it to 5x
// with the slider, adds margin, sets a margin guard, places and cancels a stop-loss, opens
// a cross ETH long; ETH falls (the test moves the push
// oracle with the oracle authority's key), the keeper binary liquidates, and the page shows
// it. After every signed action the numbers the page shows must equal the preview it
// showed before signing. Screenshots of the main states go to docs/screenshots/.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { chromium, type Browser, type Page } from "playwright-core";
import { dollars, makeKeeper, openLocalnet, pushPrice, type Localnet } from "../tools/localnet";

const run = promisify(execFile);
const WEB = process.env.BALLAST_WEB_URL ?? "http://127.0.0.1:4173";
const DEPLOYMENT = process.env.BALLAST_DEPLOYMENT ?? path.resolve("../../target/localnet-e2e/deployment.json");
const KEEPER_BIN = process.env.BALLAST_KEEPER_BIN ?? path.resolve("../../target/debug/ballast-keeper");
const SHOTS = process.env.BALLAST_SCREENSHOTS ?? path.resolve("../../docs/screenshots");
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const BTC = 0;
const ETH = 1;

let net: Localnet;
let browser: Browser;
let page: Page;
const target = new Map<number, bigint>([
  [BTC, dollars(50_000)],
  [ETH, dollars(3_000)],
]);
let pusher: NodeJS.Timeout | undefined;
let pushing = Promise.resolve();

/** Republishes the target prices (fills need a price at most 30 s old). */
function pushAll(): Promise<void> {
  pushing = pushing.then(async () => {
    for (const [i, p] of target) await pushPrice(net, i, p);
  });
  return pushing;
}

const text = async (testid: string, scope?: string) => {
  const loc = scope ? page.getByTestId(scope).getByTestId(testid) : page.getByTestId(testid);
  return ((await loc.first().textContent()) ?? "").trim();
};

/** Waits until the given element's text satisfies `ok` (the page polls the chain every 1.5 s). */
async function waitText(testid: string, ok: (t: string) => boolean, scope?: string, timeout = 20_000): Promise<string> {
  const t0 = Date.now();
  let last = "";
  while (Date.now() - t0 < timeout) {
    try {
      last = await text(testid, scope);
      if (ok(last)) return last;
    } catch {
      /* not rendered yet */
    }
    await page.waitForTimeout(200);
  }
  throw new Error(`${scope ? scope + " › " : ""}${testid}: last text ${JSON.stringify(last)}`);
}

/** Waits for the transaction banner to say the last action confirmed (and fails with the page's own error text if it did not). */
async function confirmed(label: RegExp): Promise<void> {
  const status = page.getByTestId("tx-status");
  await page.waitForFunction(
    (re) => {
      const el = document.querySelector('[data-testid="tx-status"]');
      return !!el && el.getAttribute("data-status") !== "pending" && new RegExp(re).test(el.textContent ?? "");
    },
    label.source,
    { timeout: 30_000 },
  );
  const s = await status.getAttribute("data-status");
  assert.equal(s, "ok", `transaction failed: ${await status.textContent()}`);
}

async function shot(name: string, testid?: string, fullPage = true) {
  fs.mkdirSync(SHOTS, { recursive: true });
  const file = path.join(SHOTS, `${name}.png`);
  if (testid) await page.getByTestId(testid).screenshot({ path: file });
  else await page.screenshot({ path: file, fullPage });
}

/** Sets a range input (React listens to input events). */
async function slide(testid: string, value: number) {
  await page.getByTestId(testid).fill(String(value));
}

const row = (symbol: string, mode: string) => `position-${symbol}-${mode}`;
const money = (s: string) => Number(s.replace(/[$,]/g, ""));

before(async () => {
  net = openLocalnet(DEPLOYMENT, process.env.BALLAST_KEYS);
  await pushAll();
  pusher = setInterval(() => void pushAll().catch((e) => console.error("price push failed", e)), 4_000);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-dev-shm-usage"] });
  page = await browser.newPage({ viewport: { width: 1480, height: 1000 }, deviceScaleFactor: 1 });
  page.on("pageerror", (e) => console.error("page error:", e.message));
  page.on("console", (m) => {
    if (m.type() === "error") console.error("page console:", m.text());
  });
});

after(async () => {
  if (pusher) clearInterval(pusher);
  await pushing.catch(() => undefined);
  await browser?.close();
});

test("a trader deposits, trades in three steps, and sees the keeper liquidate", { timeout: 300_000 }, async (t) => {
  await t.test("the page loads the deployment and a burner wallet gets funded", async () => {
    await page.goto(WEB);
    await page.getByTestId("network").waitFor();
    assert.match(await text("network"), /LOCALNET/);
    await page.getByTestId("use-burner").click();
    await page.waitForFunction(() => !(document.querySelector('[data-testid="fund-me"]') as HTMLButtonElement | null)?.disabled);
    await page.getByTestId("fund-me").click();
    await waitText("fund-status", (s) => /funded/.test(s), undefined, 60_000);
    await waitText("wallet-usdc", (s) => s === "$10,000.00");
    await waitText("ticker-price-BTC-PERP", (s) => s === "$50,000.00");
    // The exchange's pool and insurance fund, as the exchange account holds them.
    await waitText("pool-insurance", (s) => s.startsWith("$"));
    assert.equal(await text("pool-deficit"), "$0.00");
  });

  await t.test("deposit 3,000 USDC; an overdraw is refused with the program's error name", async () => {
    await page.getByTestId("funds-amount").fill("3000");
    await page.getByTestId("deposit").click();
    await confirmed(/Deposit/);
    await waitText("ov-collateral", (s) => s === "$3,000.00");
    assert.equal(await text("ov-transferable"), "$3,000.00");
    await page.getByTestId("funds-amount").fill("5000");
    await page.getByTestId("withdraw").click();
    await page.waitForFunction(() => document.querySelector('[data-testid="tx-status"]')?.getAttribute("data-status") === "error", null, { timeout: 30_000 });
    const err = await text("tx-error");
    assert.match(err, /^[A-Z][A-Za-z]+/, `decoded program error, got ${err}`);
    assert.doesNotMatch(err, /custom program error/);
    console.log(`# overdraw refused: ${err}`);
    await waitText("ov-collateral", (s) => s === "$3,000.00");
  });

  let openMargin = 0;
  await t.test("isolated BTC long at 10x: the position equals the order preview", async () => {
    await page.getByTestId("ticket-market-BTC-PERP").click();
    await page.getByTestId("side-long").click();
    await page.getByTestId("order-size").fill("0.1");
    await page.getByTestId("mode-isolated").click();
    await slide("order-leverage", 10);
    await waitText("order-leverage-value", (s) => s === "10x");
    await waitText("preview-liq", (s) => s.startsWith("$"));
    await pushAll();
    const preview = {
      fill: await text("preview-fill"),
      moved: await text("preview-margin-moved"),
      liq: await text("preview-liq"),
      efflev: await text("preview-efflev"),
    };
    console.log(`# open preview ${JSON.stringify(preview)}`);
    await shot("order-ticket", "order-ticket");
    await page.getByTestId("submit-order").click();
    await confirmed(/Buy 0\.1/);
    const r = row("BTC-PERP", "isolated");
    await waitText("pos-size", (s) => s === "+0.1000", r);
    assert.equal(await text("pos-margin", r), preview.moved, "margin moved into the position");
    assert.equal(await text("pos-liq", r), preview.liq, "liquidation price");
    assert.equal(await text("pos-lev", r), "10x");
    openMargin = money(preview.moved);
    assert.ok(openMargin > 500 && openMargin < 520, `IM plus the opening shortfall: ${preview.moved}`);
  });

  await t.test("leverage slider 10x → 5x: pulled margin and new liquidation price equal the preview", async () => {
    const r = row("BTC-PERP", "isolated");
    await page.getByTestId(r).getByTestId("act-leverage").click();
    await page.getByTestId("leverage-modal").waitFor();
    await slide("lev-slider", 5);
    await waitText("lev-value", (s) => s === "5x");
    const moved = await waitText("lev-margin-moved", (s) => s.startsWith("$") && s !== "$0.00");
    const newLiq = await text("lev-new-liq");
    const newMargin = await text("lev-new-margin");
    const oldLiq = await text("pos-liq", r);
    console.log(`# leverage preview: pulls ${moved}, margin ${newMargin}, liquidation ${oldLiq} → ${newLiq}`);
    assert.ok(money(newLiq) < money(oldLiq), "lower leverage, lower liquidation price for a long");
    await shot("leverage-slider", undefined, false); // the modal's backdrop covers the viewport
    await page.getByTestId("lev-confirm").click();
    await confirmed(/leverage 10x → 5x/);
    await waitText("pos-lev", (s) => s === "5x", r);
    assert.equal(await text("pos-liq", r), newLiq, "liquidation price after = preview");
    assert.equal(await text("pos-margin", r), newMargin, "position margin after = preview");
    assert.equal(Math.round((money(newMargin) - openMargin) * 100), Math.round(money(moved) * 100), "pulled margin");
  });

  await t.test("add 100 USDC of margin: effective leverage and liquidation price equal the preview", async () => {
    const r = row("BTC-PERP", "isolated");
    const marginBefore = money(await text("pos-margin", r));
    await page.getByTestId(r).getByTestId("act-margin").click();
    await page.getByTestId("margin-modal").waitFor();
    await page.getByTestId("margin-tab-add").click();
    await page.getByTestId("margin-amount").fill("100");
    const newLiq = await waitText("margin-new-liq", (s) => s.startsWith("$"));
    const newLev = await text("margin-new-efflev");
    console.log(`# add-margin preview: eff. leverage ${newLev}, liquidation ${newLiq}`);
    await page.getByTestId("margin-confirm").click();
    await confirmed(/Add \$100\.00/);
    await waitText("pos-margin", (s) => Math.abs(money(s) - marginBefore - 100) < 0.001, r);
    assert.equal(await text("pos-liq", r), newLiq, "liquidation price after = preview");
    assert.equal(await text("pos-efflev", r), newLev, "effective leverage after = preview");
  });

  await t.test("margin guard on the isolated position", async () => {
    const r = row("BTC-PERP", "isolated");
    await page.getByTestId(r).getByTestId("act-guard").click();
    await page.getByTestId("guard-modal").waitFor();
    await page.getByTestId("guard-trigger").fill("150");
    await page.getByTestId("guard-topup").fill("50");
    await page.getByTestId("guard-max").fill("200");
    await page.getByTestId("guard-confirm").click();
    await confirmed(/Margin guard on BTC-PERP/);
    await waitText("act-guard", (s) => s.includes("✓"), r);
  });

  await t.test("a stop-loss on the isolated BTC long rests in the trigger book, and the owner cancels it", async () => {
    const r = row("BTC-PERP", "isolated");
    await page.getByTestId(r).getByTestId("act-trigger").click();
    await page.getByTestId("trigger-modal").waitFor();
    // A take-profit below the price would fire at once: the page refuses it before signing.
    await page.getByTestId("trigger-take").click();
    await page.getByTestId("trigger-price-input").fill("45000");
    assert.match(await waitText("trigger-error", (s) => s.length > 0), /already past/);
    assert.ok(await page.getByTestId("trigger-confirm").isDisabled());
    await page.getByTestId("trigger-stop").click();
    await page.getByTestId("trigger-price-input").fill("45000");
    await page.getByTestId("trigger-tip").fill("1");
    await page.getByTestId("trigger-confirm").click();
    await confirmed(/Stop-loss on BTC-PERP isolated at \$45,000\.00/);
    const order = page.getByTestId("triggers").locator('tr[data-testid^="trigger-"]');
    await order.first().waitFor({ timeout: 20_000 });
    assert.equal(await order.count(), 1);
    assert.equal(((await order.getByTestId("trigger-kind").textContent()) ?? "").trim(), "stop-loss");
    assert.equal(((await order.getByTestId("trigger-price").textContent()) ?? "").trim(), "≤ $45,000.00");
    assert.equal(await order.getByTestId("trigger-inactive").count(), 0, "placed on the open position: active");
    await shot("trigger-orders", "triggers");
    await order.getByTestId("trigger-cancel").click();
    await confirmed(/Cancel stop-loss #\d+ on BTC-PERP/);
    await page.getByTestId("no-triggers").waitFor({ timeout: 20_000 });
  });

  await t.test("cross ETH long 5 at 20x: the position equals the order preview", async () => {
    await page.getByTestId("ticket-market-ETH-PERP").click();
    await page.getByTestId("side-long").click();
    await page.getByTestId("order-size").fill("5");
    await page.getByTestId("mode-cross").click();
    await slide("order-leverage", 20);
    await waitText("order-leverage-value", (s) => s === "20x");
    await waitText("preview-liq", (s) => s.startsWith("$"));
    await pushAll();
    const liq = await text("preview-liq");
    const fill = await text("preview-fill");
    console.log(`# cross preview: fill ${fill}, liquidation ${liq}`);
    await page.getByTestId("submit-order").click();
    await confirmed(/Buy 5\.0000 ETH-PERP/);
    const r = row("ETH-PERP", "cross");
    await waitText("pos-size", (s) => s === "+5.0000", r);
    assert.equal(await text("pos-liq", r), liq, "liquidation price after = preview");
    assert.equal(await text("pos-lev", r), "20x");
    // A withdrawal with open positions (the cross markets ride along as health accounts).
    const collateral = money(await text("ov-collateral"));
    await page.getByTestId("funds-amount").fill("50");
    await page.getByTestId("withdraw").click();
    await confirmed(/Withdraw \$50\.00/);
    await waitText("ov-collateral", (s) => Math.abs(money(s) - (collateral - 50)) < 0.001);
    await page.getByTestId("stress-domain").selectOption("cross");
    await waitText("stress-liq", (s) => /Liquidation when/.test(s));
    await page.waitForTimeout(500);
    await shot("overview");
    await shot("stress-test", "stress");
  });

  await t.test("ETH falls to 2,660; the keeper liquidates the cross domain; the page shows it", async () => {
    const r = row("ETH-PERP", "cross");
    const liq = money(await text("pos-liq", r));
    assert.ok(liq > 2_660 && liq < 3_000, `cross liquidation price ${liq} between the fall and the entry`);
    // Just below the liquidation price: the keeper closes part of the position.
    target.set(ETH, dollars(2_660));
    await pushAll();
    await waitText("ticker-price-ETH-PERP", (s) => s === "$2,660.00");
    await waitText("ov-ratio-bar", () => true);
    assert.match(await page.getByTestId("overview").textContent() ?? "", /LIQUIDATABLE/);
    const keeperFile = path.join(os.tmpdir(), `ballast-e2e-keeper-${process.pid}.json`);
    const { token } = await makeKeeper(net, keeperFile);
    await pushAll();
    const { stdout, stderr } = await run(KEEPER_BIN, [
      "--rpc",
      net.deployment.rpc_url,
      "--keypair",
      keeperFile,
      "--program-id",
      net.deployment.program_id,
      "--keeper-token",
      token.toBase58(),
      "--once",
    ]);
    fs.rmSync(keeperFile, { force: true });
    console.log(`# keeper: ${stderr.trim().split("\n").pop()}`);
    // The keeper's health line (one JSON object per cycle on stderr).
    assert.match(stderr, /"liquidatable":[1-9]/, stdout + stderr);
    assert.match(stderr, /"won":[1-9]/, stdout + stderr);
    await page.getByTestId("feed").locator('[data-testid="feed-item"][data-name="Liquidated"]').first().waitFor({ timeout: 20_000 });
    // The cross position is reduced or gone; the isolated BTC position is untouched.
    const t0 = Date.now();
    let size = "";
    while (Date.now() - t0 < 15_000) {
      const gone = (await page.getByTestId(r).count()) === 0;
      size = gone ? "0" : await text("pos-size", r);
      if (gone || Number(size.replace(/[+,]/g, "")) < 5) break;
      await page.waitForTimeout(300);
    }
    assert.ok(Number(size.replace(/[+,]/g, "")) < 5, `cross ETH reduced: ${size}`);
    assert.equal(await text("pos-size", row("BTC-PERP", "isolated")), "+0.1000");
    await page.waitForTimeout(500);
    await shot("liquidation");
  });
  await t.test("close the isolated BTC position; a strict-isolated one refuses a leverage raise, and the page says why", async () => {
    await page.getByTestId(row("BTC-PERP", "isolated")).getByTestId("act-close").click();
    await confirmed(/Close BTC-PERP isolated/);
    await page.getByTestId(row("BTC-PERP", "isolated")).waitFor({ state: "detached", timeout: 20_000 });
    await page.getByTestId("funds-amount").fill("2000");
    await page.getByTestId("deposit").click();
    await confirmed(/Deposit \$2,000\.00/);
    await page.getByTestId("ticket-market-BTC-PERP").click();
    await page.getByTestId("side-long").click();
    await page.getByTestId("order-size").fill("0.05");
    await page.getByTestId("mode-strict").click();
    await slide("order-leverage", 10);
    await waitText("order-leverage-value", (s) => s === "10x");
    await waitText("preview-liq", (s) => s.startsWith("$"));
    await pushAll();
    const liq = await text("preview-liq");
    const moved = await text("preview-margin-moved");
    await page.getByTestId("submit-order").click();
    await confirmed(/Buy 0\.0500 BTC-PERP \(strict/);
    const r = row("BTC-PERP", "strict");
    await waitText("pos-size", (s) => s === "+0.0500", r);
    assert.equal(await text("pos-liq", r), liq, "liquidation price after = preview");
    assert.equal(await text("pos-margin", r), moved, "margin moved = preview");
    await page.getByTestId(r).getByTestId("act-leverage").click();
    await page.getByTestId("leverage-modal").waitFor();
    await slide("lev-slider", 15);
    const why = await waitText("lev-error", (s) => s.length > 0);
    assert.match(why, /StrictIsolatedLocked/);
    assert.ok(await page.getByTestId("lev-confirm").isDisabled(), "a refused raise cannot be signed");
    console.log(`# strict raise refused: ${why}`);
    await shot("strict-refusal", "leverage-modal");
    await page.getByTestId("modal-close").click();
  });
});
