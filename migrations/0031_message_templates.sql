-- Message templates edited by the administration (issue 6): an override of the text in locales/ for one template,
-- one channel (or '*' for any channel) and one language. Rendering takes the most specific row: channel + locale,
-- then '*' + locale, then locales/. Deleting the row goes back to the default. See
-- docs/decisions/0017-message-templates.md.

CREATE TABLE message_templates (
  template text NOT NULL, -- key under `messages` in locales/: demand.received, demand.answered ...
  -- The citizen channel the text is for (channels/channel.ts OUTBOUND_CHANNELS), or '*' for every channel.
  channel text NOT NULL CHECK (channel IN ('*', 'email', 'whatsapp', 'telegram', 'sms')),
  locale text NOT NULL CHECK (locale IN ('pt-BR', 'en', 'es')),
  subject text NOT NULL, -- e-mail subject; channels without one drop it
  body text NOT NULL, -- framed by the greeting and the footer of locales/ when rendered
  updated_by bigint REFERENCES staff_users (id),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (template, channel, locale)
);
