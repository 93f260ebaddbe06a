/** What every portal screen receives: the boot data, the language and its translator. */
import type { Boot } from "../ui/boot.ts";
import type { Translate } from "../ui/i18n.ts";

/** The portal's environment, handed to each screen as a prop. */
export interface Env {
  boot: Boot;
  locale: string;
  t: Translate;
}
