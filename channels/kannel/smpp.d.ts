/** The npm `smpp` package has no types of its own; the fake SMSC uses its server and PDUs through these. */
declare module "smpp" {
  import type { Server } from "node:net";

  const smpp: { createServer(listener: (session: never) => void): Server };
  export default smpp;
}
