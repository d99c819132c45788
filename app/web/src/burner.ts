import {
  BaseSignerWalletAdapter,
  WalletName,
  WalletReadyState,
  WalletNotConnectedError,
  type TransactionOrVersionedTransaction,
} from "@solana/wallet-adapter-base";
import { Keypair, PublicKey, Transaction, VersionedTransaction } from "@solana/web3.js";

export const BURNER_NAME = "Localnet burner" as WalletName<"Localnet burner">;
const STORAGE_KEY = "ballast.burner.secret";

const ICON =
  "data:image/svg+xml;base64," +
  btoa(
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#1f2937"/><path d="M16 5c3 5 7 7 7 13a7 7 0 0 1-14 0c0-4 2-6 4-8 0 3 1 4 3 5 0-4-1-7 0-10z" fill="#f97316"/></svg>`,
  );

/** The burner's keypair, kept in this browser's localStorage (localnet only: anyone with
 * access to this browser profile holds the key). */
export function burnerKeypair(): Keypair {
  const stored = localStorage.getItem(STORAGE_KEY);
  if (stored) {
    try {
      return Keypair.fromSecretKey(Uint8Array.from(JSON.parse(stored)));
    } catch {
      /* replaced below */
    }
  }
  const k = Keypair.generate();
  localStorage.setItem(STORAGE_KEY, JSON.stringify(Array.from(k.secretKey)));
  return k;
}

export function resetBurner(): void {
  localStorage.removeItem(STORAGE_KEY);
}

/** A wallet-adapter wallet that signs with a keypair held in localStorage. */
export class BurnerWalletAdapter extends BaseSignerWalletAdapter {
  name = BURNER_NAME;
  url = "https://github.com/solana-labs/wallet-adapter";
  icon = ICON;
  readyState = WalletReadyState.Loadable;
  supportedTransactionVersions = new Set(["legacy", 0] as const);
  private keypair: Keypair | null = null;
  private _connecting = false;

  get publicKey(): PublicKey | null {
    return this.keypair?.publicKey ?? null;
  }
  get connecting(): boolean {
    return this._connecting;
  }

  async connect(): Promise<void> {
    this._connecting = true;
    try {
      this.keypair = burnerKeypair();
      this.emit("connect", this.keypair.publicKey);
    } finally {
      this._connecting = false;
    }
  }

  async disconnect(): Promise<void> {
    this.keypair = null;
    this.emit("disconnect");
  }

  async signTransaction<T extends TransactionOrVersionedTransaction<this["supportedTransactionVersions"]>>(tx: T): Promise<T> {
    const k = this.keypair;
    if (!k) throw new WalletNotConnectedError();
    if (tx instanceof VersionedTransaction) tx.sign([k]);
    else (tx as Transaction).partialSign(k);
    return tx;
  }
}
