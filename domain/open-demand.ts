/**
 * One open demand of the command centre's drill-down list (GET /api/v1/map/demands): what the server's
 * list gives (server/indicators/open-demands.ts) and the centre shows (web/centre/panels.tsx).
 */
export interface OpenDemand {
  protocol: string;
  status: string;
  service: { code: string; name: string };
  department: string | null;
  district: string | null;
  address: string | null;
  openedAt: string;
  dueAt: string | null;
  late: boolean;
}
