-- Issue 14: every worker process shares one send rate per channel (the providers' limits: WhatsApp Cloud API's
-- throughput, Telegram's 30 messages a second, the SMS centre's window, the SMTP relay's). A send takes the next
-- slot of its channel here and waits for it; the row is the only shared state, so any number of workers keep it.
CREATE TABLE send_rates (
  channel text PRIMARY KEY,
  next_at timestamptz NOT NULL -- the start of the next free slot
);
