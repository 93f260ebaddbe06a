-- WhatsApp's 24-hour window is read before every WhatsApp send (server/notifications/whatsapp-window.ts): the last
-- message from a number over all its conversations, closed ones too, by index rather than by a scan.
CREATE INDEX conversations_last_inbound_idx ON conversations (channel, address, last_inbound_at DESC);
