/** Kubernetes resource quantities ("500m", "256Mi", "1e3"), as numbers. */
import { GitOpsError } from "../errors";

const SUFFIXES: Record<string, number> = {
  "": 1,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

export function parseQuantity(quantity: string | number): number {
  if (typeof quantity === "number") return quantity;
  const match =
    /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E)?)$/.exec(
      quantity.trim(),
    );
  if (!match) throw new GitOpsError(`"${quantity}" is not a Kubernetes quantity`);
  const [, number, exponent, suffix] = match;
  const base = Number(number);
  return exponent ? base * 10 ** Number(exponent.slice(1)) : base * (SUFFIXES[suffix ?? ""] ?? 1);
}
