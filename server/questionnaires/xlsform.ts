/**
 * The XLSForm import (issue 17): a documented subset of https://xlsform.org read from an .xlsx with exceljs
 * (decision 0060), so that a city reuses its KoBo and ODK forms. The `survey`, `choices` and `settings` sheets become
 * a QuestionnaireDefinition; what the subset simplifies is a warning, what it cannot keep is a problem naming the
 * sheet, the row and the text. docs/questionnaires.md lists the subset.
 */
import type ExcelJS from "exceljs";
import {
  type Choice,
  type Condition,
  type LocalText,
  parseDefinition,
  type Question,
  type QuestionnaireDefinition,
  type QuestionnaireLocale,
} from "../../domain/questionnaire.ts";
import { columnOf, languageOf, localOf, readExtras } from "./xlsform-cells.ts";
import { type EarlierQuestions, ExpressionError, readRelevant } from "./xlsform-expressions.ts";
import { declaredUnzippedSize, MAX_UNZIPPED_BYTES } from "./xlsform-zip.ts";

/** The largest .xlsx taken: forms are a few dozen kilobytes. */
export const MAX_XLSFORM_BYTES = 2 * 1024 * 1024;
const MAX_SURVEY_ROWS = 600;
const MAX_CHOICE_ROWS = 10_000;

/** A warning or a problem of an import: where (sheet and row, 1-based as the spreadsheet shows), a code and the text. */
export interface XlsFormNote {
  sheet?: string;
  row?: number;
  code: string;
  text: string;
}

/** What a form read: its questions (when there are no problems), title, form_id, and the notes. */
export interface XlsForm {
  definition?: QuestionnaireDefinition;
  title?: LocalText;
  formId?: string;
  warnings: XlsFormNote[];
  problems: XlsFormNote[];
}

/** One sheet as header-keyed rows: each row a map of lower-cased header → text, with its row number. */
interface Sheet {
  name: string;
  headers: string[];
  rows: { row: number; cells: Map<string, string> }[];
}

function readSheet(
  book: ExcelJS.Workbook,
  name: string,
  maxRows: number,
  problems: XlsFormNote[],
): Sheet | undefined {
  const ws = book.worksheets.find((w) => w.name.trim().toLowerCase() === name);
  if (!ws) return undefined;
  const headers: string[] = [];
  ws.getRow(1).eachCell((cell, col) => {
    headers[col] = cell.text.trim().toLowerCase();
  });
  const rows: Sheet["rows"] = [];
  const last = Math.min(ws.actualRowCount === 0 ? 0 : ws.rowCount, maxRows + 1);
  if (ws.rowCount > maxRows + 1) problems.push({ sheet: name, code: "too_many_rows", text: String(maxRows) });
  for (let r = 2; r <= last; r++) {
    const cells = new Map<string, string>();
    ws.getRow(r).eachCell((cell, col) => {
      const header = headers[col];
      const text = cell.text.trim();
      if (header && text !== "") cells.set(header, text);
    });
    if (cells.size > 0) rows.push({ row: r, cells });
  }
  return { name, headers: headers.filter(Boolean), rows };
}

const LOCALIZED = new Set(["label", "hint", "constraint_message", "responsiva::voice", "responsiva::chat"]);
const SURVEY_COLUMNS = new Set([
  ...LOCALIZED,
  "type",
  "name",
  "required",
  "relevant",
  "constraint",
  "choice_filter",
  "appearance",
  "parameters",
  "responsiva::scoring",
  "responsiva::service",
]);
const CHOICE_COLUMNS = new Set(["list_name", "name", "label", "responsiva::score", "responsiva::key"]);
const METADATA = new Set([
  "start",
  "end",
  "today",
  "deviceid",
  "username",
  "phonenumber",
  "simserial",
  "subscriberid",
  "audit",
  "email",
]);

/** Warns once per column the subset does not read, and per language it does not know. */
function checkHeaders(sheet: Sheet, known: Set<string>, warnings: XlsFormNote[]): void {
  for (const header of sheet.headers) {
    const { base, lang } = columnOf(header);
    if (!known.has(base)) warnings.push({ sheet: sheet.name, row: 1, code: "column_ignored", text: header });
    else if (lang !== undefined && !languageOf(lang)) {
      warnings.push({ sheet: sheet.name, row: 1, code: "language_ignored", text: header });
    }
  }
}

interface ChoiceList {
  choices: Choice[];
  row: number;
}

function readChoices(
  sheet: Sheet | undefined,
  fallback: QuestionnaireLocale,
  notes: XlsForm,
): Map<string, ChoiceList> {
  const lists = new Map<string, ChoiceList>();
  if (!sheet) return lists;
  checkHeaders(sheet, CHOICE_COLUMNS, notes.warnings);
  for (const { row, cells } of sheet.rows) {
    const list = cells.get("list_name");
    const value = cells.get("name");
    if (!list || value === undefined) {
      notes.problems.push({
        sheet: "choices",
        row,
        code: "choice_without_list_or_name",
        text: list ?? value ?? "",
      });
      continue;
    }
    const choice: Choice = { value, label: localOf(cells, "label", fallback) ?? { "pt-BR": value } };
    const score = cells.get("responsiva::score");
    if (score !== undefined) choice.score = Number(score.replace(",", "."));
    const key = cells.get("responsiva::key");
    if (key !== undefined) choice.key = key;
    const found = lists.get(list) ?? { choices: [], row };
    found.choices.push(choice);
    lists.set(list, found);
  }
  return lists;
}

const YES = new Set(["yes", "sim", "si", "sí", "true", "1"]);
const NO = new Set(["no", "nao", "não", "false", "0"]);

/** yes/no when a list's two choices are yes and no (sim/não); their names → the boolean stored. */
function yesNoOf(choices: Choice[]): Map<string, boolean> | undefined {
  if (choices.length !== 2) return undefined;
  const map = new Map<string, boolean>();
  for (const c of choices) {
    const v = c.value.toLowerCase();
    if (YES.has(v)) map.set(v, true);
    else if (NO.has(v)) map.set(v, false);
  }
  return map.size === 2 && new Set(map.values()).size === 2 ? map : undefined;
}

const isScaleList = (choices: Choice[]) =>
  choices.length === 5 && choices.map((c) => c.value).join(",") === "1,2,3,4,5";

/** A range's start, end and step from its `parameters` cell (XLSForm's defaults: 1, 10, 1). */
function rangeOf(parameters: string | undefined): { start: number; end: number; step: number } {
  const get = (key: string, fallback: number) => {
    const m = new RegExp(`${key}\\s*=\\s*(-?[\\d.]+)`).exec(parameters ?? "");
    return m ? Number(m[1]) : fallback;
  };
  return { start: get("start", 1), end: get("end", 10), step: get("step", 1) };
}

/** Reads an .xlsx in the XLSForm layout. Never throws on a bad form: the problems say what to fix. */
export async function readXlsForm(content: Buffer): Promise<XlsForm> {
  const form: XlsForm = { warnings: [], problems: [] };
  const size = declaredUnzippedSize(content);
  if (size === undefined || size > MAX_UNZIPPED_BYTES) {
    form.problems.push({
      code: size === undefined ? "unreadable_xlsx" : "xlsx_too_large",
      text: String(size ?? ""),
    });
    return form;
  }
  // Loaded on the first import only: the server starts without it.
  const { default: excel } = await import("exceljs");
  const book = new excel.Workbook();
  try {
    await book.xlsx.load(content as unknown as ArrayBuffer);
  } catch {
    form.problems.push({ code: "unreadable_xlsx", text: "" });
    return form;
  }
  const settings = readSheet(book, "settings", 5, form.problems);
  const setting = (key: string) => settings?.rows[0]?.cells.get(key);
  const declared = setting("default_language");
  const fallback = (declared && languageOf(declared)) || "pt-BR";
  if (declared && !languageOf(declared)) {
    form.warnings.push({ sheet: "settings", code: "language_ignored", text: declared });
  }
  const formId = setting("form_id");
  if (formId) form.formId = formId;
  const title = settings?.rows[0] ? localOf(settings.rows[0].cells, "form_title", fallback) : undefined;
  if (title) form.title = title;
  if (setting("version"))
    form.warnings.push({ sheet: "settings", code: "version_ignored", text: String(setting("version")) });

  const survey = readSheet(book, "survey", MAX_SURVEY_ROWS, form.problems);
  if (!survey) {
    form.problems.push({ code: "no_survey_sheet", text: "survey" });
    return form;
  }
  checkHeaders(survey, SURVEY_COLUMNS, form.warnings);
  const lists = readChoices(readSheet(book, "choices", MAX_CHOICE_ROWS, form.problems), fallback, form);
  const built = readSurvey(survey, lists, fallback, form);
  if (form.problems.length > 0) return form;
  const parsed = parseDefinition({ questions: built.map((b) => b.question) });
  if (!parsed.ok) {
    for (const p of parsed.problems) {
      const index = Number(/^questions\.(\d+)/.exec(p.path)?.[1] ?? Number.NaN);
      form.problems.push({ sheet: "survey", row: built[index]?.row, code: p.code, text: p.path });
    }
    return form;
  }
  form.definition = parsed.definition;
  return form;
}

/** The survey rows as questions, groups flattened into their questions' conditions. */
function readSurvey(
  survey: Sheet,
  lists: Map<string, ChoiceList>,
  fallback: QuestionnaireLocale,
  form: XlsForm,
) {
  const built: { question: Question; row: number; booleans?: Map<string, boolean> }[] = [];
  const byXlsName = new Map<string, (typeof built)[number]>();
  const earlier: EarlierQuestions = (name) => byXlsName.get(name);
  const groups: (Condition | undefined)[] = [];
  const problem = (row: number, code: string, text: string) =>
    form.problems.push({ sheet: "survey", row, code, text });
  const warn = (row: number, code: string, text: string) =>
    form.warnings.push({ sheet: "survey", row, code, text });
  let appearanceWarned = false;

  const conditionOf = (row: number, text: string | undefined) => {
    if (!text) return undefined;
    try {
      return readRelevant(text, earlier);
    } catch (error) {
      if (!(error instanceof ExpressionError)) throw error;
      problem(row, "unsupported_relevant", `${text}: ${error.message}`);
      return undefined;
    }
  };

  for (const { row, cells } of survey.rows) {
    const rawType = (cells.get("type") ?? "").replace(/\s+/g, " ").trim();
    const [kind = "", listName, extra] = rawType.toLowerCase().split(" ");
    const xlsName = cells.get("name") ?? "";
    if (kind === "") {
      problem(row, "missing_type", xlsName);
      continue;
    }
    if (kind === "begin" || kind === "begin_group" || kind === "end" || kind === "end_group") {
      const what = kind.includes("_") ? kind.split("_")[1] : listName;
      if (what === "repeat") {
        problem(row, "unsupported_repeat", rawType);
        continue;
      }
      if (what !== "group") {
        problem(row, "unsupported_type", rawType);
        continue;
      }
      if (kind.startsWith("begin")) {
        groups.push(conditionOf(row, cells.get("relevant")));
        warn(row, "group_flattened", xlsName);
      } else if (groups.length === 0) {
        problem(row, "unbalanced_group", rawType);
      } else {
        groups.pop();
      }
      continue;
    }
    if (kind === "begin_repeat" || kind === "end_repeat") {
      problem(row, "unsupported_repeat", rawType);
      continue;
    }
    if (kind === "note") {
      warn(row, "note_skipped", xlsName);
      continue;
    }
    if (METADATA.has(kind)) {
      warn(row, "metadata_ignored", kind);
      continue;
    }
    const name = xlsName.toLowerCase();
    if (name !== xlsName && /^[a-z][a-z0-9_]*$/.test(name)) warn(row, "name_lowercased", xlsName);
    const label = localOf(cells, "label", fallback) ?? { "pt-BR": xlsName };
    const question: Question = { name, type: "text", label };
    let booleans: Map<string, boolean> | undefined;
    const params = rangeOf(cells.get("parameters"));
    switch (kind) {
      case "integer":
        question.type = "number";
        question.constraint = { integer: true };
        break;
      case "decimal":
        question.type = "number";
        break;
      case "text":
        break;
      case "image":
        question.type = "photo";
        break;
      case "audio":
        question.type = "audio";
        break;
      case "geopoint":
        question.type = "location";
        break;
      case "range":
        if (params.start === 1 && params.end === 5 && params.step === 1) question.type = "scale";
        else {
          question.type = "number";
          question.constraint = {
            min: params.start,
            max: params.end,
            integer: Number.isInteger(params.step),
          };
          warn(row, "range_as_number", rawType);
        }
        break;
      case "select_one":
      case "select_multiple": {
        const list = listName ? lists.get(listName) : undefined;
        if (extra !== undefined) problem(row, "unsupported_type", rawType);
        if (!list) {
          problem(row, "unknown_choice_list", listName ?? rawType);
          continue;
        }
        booleans = kind === "select_one" ? yesNoOf(list.choices) : undefined;
        if (booleans) question.type = "yes_no";
        else if (kind === "select_one" && isScaleList(list.choices)) question.type = "scale";
        else {
          question.type = kind === "select_one" ? "single_choice" : "multiple_choice";
          question.choices = list.choices.map((c) => ({ ...c }));
        }
        break;
      }
      case "calculate":
        problem(row, "unsupported_calculate", xlsName);
        continue;
      default:
        problem(row, "unsupported_type", rawType);
        continue;
    }
    readExtras(question, cells, fallback, row, { problem, warn });
    if (cells.has("appearance") && !appearanceWarned) {
      appearanceWarned = true;
      warn(row, "appearance_ignored", String(cells.get("appearance")));
    }
    if (cells.has("choice_filter")) warn(row, "choice_filter_ignored", String(cells.get("choice_filter")));
    const own = conditionOf(row, cells.get("relevant"));
    const conditions = [...groups.filter((c): c is Condition => c !== undefined), ...(own ? [own] : [])];
    if (conditions.length === 1) question.relevant = conditions[0];
    else if (conditions.length > 1) question.relevant = { all: conditions };
    const entry = { question, row, ...(booleans ? { booleans } : {}) };
    built.push(entry);
    if (!byXlsName.has(xlsName)) byXlsName.set(xlsName, entry);
  }
  if (groups.length > 0) problem(survey.rows.at(-1)?.row ?? 1, "unbalanced_group", "begin group");
  return built;
}
