import fs from "node:fs";
import path from "node:path";
import type { Plugin, Connect } from "vite";
import { isLocalRpcUrl } from "./src/localnet";

const root = path.resolve(__dirname, "../..");

/** Serves the local validator's deployment (and, on localnet only, the test-USDC mint
 * authority) to the page. Paths come from BALLAST_DEPLOYMENT / BALLAST_KEYS. */
export function localnetFiles(): Plugin {
  const deployment = process.env.BALLAST_DEPLOYMENT ?? path.join(root, "target/localnet/deployment.json");
  const keys = process.env.BALLAST_KEYS ?? path.join(path.dirname(deployment), "keys");
  const handler: Connect.NextHandleFunction = (req, res, next) => {
    const url = (req.url ?? "").split("?")[0];
    let file: string | undefined;
    if (url === "/deployment.json") file = deployment;
    if (url === "/localnet/mint-authority.json") {
      // Only for a validator on this machine (parsed URL: loopback host, no userinfo):
      // the key mints worthless test USDC.
      try {
        const d = JSON.parse(fs.readFileSync(deployment, "utf8"));
        if (isLocalRpcUrl(d.rpc_url)) file = path.join(keys, "mint-authority.json");
      } catch {
        /* no deployment: 404 below */
      }
    }
    if (!file) return next();
    if (!fs.existsSync(file)) {
      res.statusCode = 404;
      res.end(`${file} not found: start the local validator (scripts/app.sh)`);
      return;
    }
    res.setHeader("content-type", "application/json");
    res.setHeader("cache-control", "no-store");
    res.end(fs.readFileSync(file));
  };
  return {
    name: "ballast-localnet-files",
    configureServer(server) {
      server.middlewares.use(handler);
    },
    configurePreviewServer(server) {
      server.middlewares.use(handler);
    },
  };
}
