/**
 * The photos on a demand's page, for the citizen who proved it is theirs: their own, and the evidence of the work
 * done that the department's answer showed them (decision 0030). Each is read from the sandboxed attachment route
 * with the proof in a header (never in an address), shown as a thumbnail with alt text, and enlarged on demand.
 */
import "./photos.css";
import { useEffect, useState } from "preact/hooks";
import { inBase } from "../ui/base.ts";
import { formatWhen } from "../ui/i18n.ts";
import type { Env } from "./env.ts";

/** One attachment as the full view lists it. */
export interface PhotoView {
  id: number;
  mediaType: string;
  name: string | null;
  url: string;
  kind: "citizen" | "evidence";
  createdAt: string;
}

const IMAGE_TYPES = ["image/jpeg", "image/png", "image/webp"];

// Reads the files once each with the proof, as object URLs released when the page goes.
function useObjectUrls(photos: PhotoView[], secret: string | undefined): Record<number, string> {
  const [urls, setUrls] = useState<Record<number, string>>({});
  const ids = photos.map((p) => p.id).join(",");
  useEffect(() => {
    let gone = false;
    const made: string[] = [];
    (async () => {
      for (const photo of photos) {
        // The server's own path of the file, under the page's tenant prefix.
        const response = await fetch(inBase(photo.url), {
          headers: secret ? { "x-demand-secret": secret } : {},
        }).catch(() => undefined);
        if (gone || !response?.ok) continue;
        const url = URL.createObjectURL(await response.blob());
        made.push(url);
        setUrls((all) => ({ ...all, [photo.id]: url }));
      }
    })();
    return () => {
      gone = true;
      for (const url of made) URL.revokeObjectURL(url);
    };
  }, [ids, secret]);
  return urls;
}

function Gallery(props: {
  env: Env;
  id: string;
  title: string;
  photos: PhotoView[];
  urls: Record<number, string>;
  alt: (photo: PhotoView, n: number) => string;
}) {
  const { t } = props.env;
  const [open, setOpen] = useState<number | null>(null);
  if (props.photos.length === 0) return null;
  const shown = props.photos.find((p) => p.id === open);
  return (
    <section aria-labelledby={props.id}>
      <h3 id={props.id}>{props.title}</h3>
      <ul class="photos">
        {props.photos.map((photo, i) => {
          const url = props.urls[photo.id];
          const alt = props.alt(photo, i + 1);
          if (!IMAGE_TYPES.includes(photo.mediaType)) {
            return (
              <li key={photo.id}>
                {url ? (
                  <a href={url} download={photo.name ?? `${photo.id}`}>
                    {t("portal.photos.download", { name: photo.name ?? alt })}
                  </a>
                ) : (
                  <span>{alt}</span>
                )}
              </li>
            );
          }
          return (
            <li key={photo.id}>
              <button
                type="button"
                class="thumb"
                aria-pressed={open === photo.id}
                aria-label={t("portal.photos.enlarge", { alt })}
                onClick={() => setOpen(open === photo.id ? null : photo.id)}
              >
                {url ? <img src={url} alt={alt} loading="lazy" /> : <span class="thumb-wait">{alt}</span>}
              </button>
            </li>
          );
        })}
      </ul>
      {shown && props.urls[shown.id] ? (
        <figure class="photo-large">
          <img src={props.urls[shown.id]} alt={props.alt(shown, props.photos.indexOf(shown) + 1)} />
          <figcaption>
            {props.alt(shown, props.photos.indexOf(shown) + 1)}{" "}
            <button type="button" class="button secondary" onClick={() => setOpen(null)}>
              {t("portal.photos.close")}
            </button>
          </figcaption>
        </figure>
      ) : null}
    </section>
  );
}

/** The citizen's photos and the department's evidence, each group under its own heading. */
export function Photos(props: { env: Env; photos: PhotoView[]; secret: string | undefined }) {
  const { t, locale } = props.env;
  const urls = useObjectUrls(props.photos, props.secret);
  const own = props.photos.filter((p) => p.kind === "citizen");
  const evidence = props.photos.filter((p) => p.kind === "evidence");
  if (props.photos.length === 0) return null;
  return (
    <section aria-labelledby="photos-title">
      <h2 id="photos-title">{t("portal.follow.photos")}</h2>
      <Gallery
        env={props.env}
        id="photos-own"
        title={t("portal.photos.own")}
        photos={own}
        urls={urls}
        alt={(_p, n) => t("portal.photos.alt_own", { n, count: own.length })}
      />
      <Gallery
        env={props.env}
        id="photos-evidence"
        title={t("portal.photos.evidence")}
        photos={evidence}
        urls={urls}
        alt={(p, n) =>
          t("portal.photos.alt_evidence", {
            n,
            count: evidence.length,
            date: formatWhen(p.createdAt, locale),
          })
        }
      />
    </section>
  );
}
