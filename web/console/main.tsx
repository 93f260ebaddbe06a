/** PLACEHOLDER — replaced by the helper that builds the console. */
import "../ui/base.css";
import { render } from "preact";
import { readBoot } from "../ui/boot.ts";
import { translator } from "../ui/i18n.ts";
import { useLocation } from "../ui/router.ts";
import { StaffRoot } from "../ui/staff.tsx";

const boot = readBoot();
const t = translator(boot.messages);

function App() {
  const url = useLocation();
  return (
    <StaffRoot
      boot={boot}
      t={t}
      app="console"
      path={url.pathname}
      sections={() => []}
      screen={(env) => <h1 tabIndex={-1}>{env.t("console.site_name")}</h1>}
    />
  );
}

const root = document.getElementById("app")!;
root.textContent = "";
render(<App />, root);
