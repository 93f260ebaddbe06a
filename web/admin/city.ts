/** The city's areas and departments, as the admin pickers list them. */
import { useLoad } from "../ui/load.ts";

/** A district or subprefeitura. */
export interface Area {
  code: string;
  name: string;
  subprefeituraCode?: string;
}

/** The city's districts and subprefeituras, loaded once per screen. */
export function useAreas(lang: string): { districts: Area[]; subprefeituras: Area[] } {
  const [districts] = useLoad<{ items: Area[] }>("/api/v1/districts", lang);
  const [subprefeituras] = useLoad<{ items: Area[] }>("/api/v1/subprefeituras", lang);
  return { districts: districts?.items ?? [], subprefeituras: subprefeituras?.items ?? [] };
}

/** A department as GET /api/v1/departments answers. */
export interface Department {
  code: string;
  name: string;
  kind: "secretariat" | "subprefeitura" | "company" | "other";
  subprefeituraCode: string | null;
  email: string | null;
  active: boolean;
  teams: string[];
}
