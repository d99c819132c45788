import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";
import { localnetFiles } from "./server";

// The page reads its addresses from /deployment.json, which the dev and preview servers
// serve from the local validator's bootstrap output (BALLAST_DEPLOYMENT, default
// target/localnet/deployment.json). On localnet they also serve the mint authority's
// keypair for the "fund me" button (see server.ts).
export default defineConfig({
  plugins: [react(), localnetFiles()],
  resolve: {
    // One copy of web3.js and friends, shared with the linked SDK.
    dedupe: ["@solana/web3.js", "buffer", "bn.js", "react", "react-dom"],
  },
  define: { "process.env.NODE_DEBUG": "false" },
  optimizeDeps: { include: ["buffer"] },
  build: { target: "es2022", chunkSizeWarningLimit: 4000 },
  server: { port: Number(process.env.BALLAST_WEB_PORT ?? 5173), strictPort: true, host: "127.0.0.1" },
  preview: { port: Number(process.env.BALLAST_WEB_PORT ?? 4173), strictPort: true, host: "127.0.0.1" },
});
