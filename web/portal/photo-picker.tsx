/**
 * The photos of a new demand: each file's type and size checked on the phone before anything is uploaded (JPEG, PNG
 * or WebP, within the server's limit from the boot data), with a message naming the file refused; thumbnails with a
 * remove button; the count said with the language's plural rules. Thumbnails are object URLs, released when the
 * photos change or the screen goes.
 */
import { useEffect, useState } from "preact/hooks";
import { describedBy } from "../ui/components.tsx";
import type { DraftPhoto } from "./draft.ts";
import type { Env } from "./env.ts";

/** The types the server takes as photos (server/demands/attachments.ts PHOTO_MEDIA_TYPES). */
export const PHOTO_TYPES = ["image/jpeg", "image/png", "image/webp"];
const PHOTO_NAME = /\.(jpe?g|png|webp)$/i;
/** Defaults of the server's limits, for a shell without them. */
const DEFAULT_LIMITS = { attachmentBytes: 10 * 1024 * 1024, attachments: 5 };

/** Why one picked file is not taken, in words; null when it is a photo within the limit. */
export function refusalOf(
  file: { name: string; type: string; size: number },
  maxBytes: number,
  t: Env["t"],
  locale: string,
): string | null {
  // Some phones leave the type empty: the name's extension decides then.
  const isPhoto = file.type ? PHOTO_TYPES.includes(file.type) : PHOTO_NAME.test(file.name);
  if (!isPhoto) return t("portal.file.errors.photo_type", { name: file.name });
  if (file.size > maxBytes) {
    const mb = (bytes: number) =>
      new Intl.NumberFormat(locale, { maximumFractionDigits: 1 }).format(bytes / 1024 / 1024);
    return t("portal.file.errors.photo_size", { name: file.name, size: mb(file.size), max: mb(maxBytes) });
  }
  return null;
}

/** The photos field: picker, refusals, thumbnails and count. */
export function PhotoPicker(props: {
  env: Env;
  photos: DraftPhoto[];
  onChange: (photos: DraftPhoto[]) => void;
  /** The server's problem with the photos, if it refused them. */
  error?: string | undefined;
}) {
  const { t, locale, boot } = props.env;
  const limits = boot.limits ?? DEFAULT_LIMITS;
  const [refused, setRefused] = useState<string[]>([]);
  const [urls, setUrls] = useState<string[]>([]);

  useEffect(() => {
    const made = props.photos.map((p) => URL.createObjectURL(p.blob));
    setUrls(made);
    return () => {
      for (const url of made) URL.revokeObjectURL(url);
    };
  }, [props.photos]);

  const pick = (input: HTMLInputElement) => {
    const kept = [...props.photos];
    const problems: string[] = [];
    for (const file of input.files ?? []) {
      const refusal = refusalOf(file, limits.attachmentBytes, t, locale);
      if (refusal) problems.push(refusal);
      else if (kept.length >= limits.attachments)
        problems.push(t("portal.file.errors.photo_count", { name: file.name, max: limits.attachments }));
      else kept.push({ name: file.name, blob: file });
    }
    // The same file may be picked again after being removed.
    input.value = "";
    setRefused(problems);
    if (kept.length !== props.photos.length) props.onChange(kept);
  };

  const remove = (index: number) => {
    setRefused([]);
    props.onChange(props.photos.filter((_, i) => i !== index));
    // The focus stays in the photos field instead of falling to the page's top with the removed button.
    requestAnimationFrame(() => {
      const buttons = document.querySelectorAll<HTMLButtonElement>(".thumbs button");
      (buttons[Math.min(index, buttons.length - 1)] ?? document.getElementById("photos"))?.focus();
    });
  };

  const messages = [...refused, ...(props.error ? [props.error] : [])];
  const invalid = messages.length > 0;
  return (
    <div class="field">
      <label for="photos">{t("portal.file.photos")}</label>
      <p class="hint" id="photos-hint">
        {t("portal.file.photos_limits", {
          max: limits.attachments,
          size: Math.floor(limits.attachmentBytes / 1024 / 1024),
        })}
      </p>
      <input
        id="photos"
        type="file"
        accept={PHOTO_TYPES.join(",")}
        multiple
        aria-invalid={invalid}
        aria-describedby={describedBy("photos", "hint", invalid ? "error" : undefined)}
        onChange={(e) => pick(e.target as HTMLInputElement)}
      />
      <div id="photos-error" class="field-error" role="alert">
        {messages.map((m) => (
          <p key={m}>{m}</p>
        ))}
      </div>
      {props.photos.length > 0 ? (
        <>
          <p aria-live="polite">{t("portal.file.photos_count", { count: props.photos.length })}</p>
          <ul class="thumbs">
            {props.photos.map((photo, i) => (
              <li key={`${i}-${photo.name}`}>
                {urls[i] ? (
                  <img src={urls[i]} alt={t("portal.file.photo_alt", { n: i + 1, name: photo.name })} />
                ) : null}
                <button type="button" class="secondary" onClick={() => remove(i)}>
                  {t("portal.file.photo_remove", { n: i + 1 })}
                </button>
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </div>
  );
}
