/**
 * Parts of the console's demand screen (demand.tsx): the staff view's shape, the timeline, and the form that undoes
 * a merge or an automatic link that was wrong.
 */
import { inBase } from "../ui/base.ts";
import type { Translate } from "../ui/i18n.ts";
import { formatWhen } from "../ui/i18n.ts";

/** The staff view of GET /api/v1/demands/:protocol, the parts shown here. */
export interface DemandView {
  protocol: string;
  status: string;
  service: { code: string; name: string };
  channel: string;
  district: { code: string; name: string } | null;
  department: { code: string; name: string } | null;
  openedAt: string;
  dueAt: string | null;
  description?: string;
  address?: string | null;
  location?: { lat: number; lon: number } | null;
  attributes?: Record<string, unknown>;
  identity?: string;
  citizen?: { name: string | null; contacts: { channel: string; value: string }[] } | null;
  attachments?: { id: number; mediaType: string; name: string | null; url: string }[];
  timeline: {
    at: string;
    type: string;
    actor: string;
    /** The staff member who acted (staff view only). */
    staff?: { id: number; name: string | null } | null;
    data: Record<string, unknown>;
  }[];
}

export interface Department {
  code: string;
  name: string;
  active: boolean;
}

/**
 * The demand's timeline, oldest first, with the staff member who acted; a call recorded during the demand's
 * registration has its player for those who may listen (`canListen`: the audited recordings route).
 */
export function Timeline(props: {
  t: Translate;
  locale: string;
  timeline: DemandView["timeline"];
  canListen?: boolean;
}) {
  const { t, locale } = props;
  return (
    <>
      <h2>{t("console.demand.timeline")}</h2>
      <ol class="timeline">
        {props.timeline.map((e, i) => {
          const recording = e.type === "call.recorded" ? Number(e.data.recordingId) : Number.NaN;
          return (
            <li key={`${e.at}-${i}`} data-event={e.type}>
              {formatWhen(e.at, locale)} · {t(`events.${e.type}`)}
              {e.staff?.name ? ` · ${e.staff.name}` : ""}
              {props.canListen && Number.isInteger(recording) ? (
                // biome-ignore lint/a11y/useMediaCaption: a call's recording has no text of its own to caption it
                <audio
                  controls
                  preload="none"
                  src={inBase(`/api/v1/call-recordings/${recording}/audio`)}
                  aria-label={t("console.demand.listen_call")}
                />
              ) : null}
            </li>
          );
        })}
      </ol>
    </>
  );
}

/** Undoes a merge or an automatic link (POST …/unlink): the demand goes back to the triage queue on its own. */
export function UnlinkForm(props: { t: Translate; busy: boolean; onUnlink: () => void }) {
  const { t } = props;
  return (
    <form
      class="card"
      aria-labelledby="unlink-title"
      onSubmit={(e) => {
        e.preventDefault();
        props.onUnlink();
      }}
    >
      <h3 id="unlink-title">{t("console.demand.unlink")}</h3>
      <p class="hint">{t("console.demand.unlink_hint")}</p>
      <button type="submit" disabled={props.busy}>
        {t("console.demand.unlink")}
      </button>
    </form>
  );
}
