/** The named errors of the classification concept. */
import { AppError } from "../errors.ts";

/** 404: no classification rule has this id. */
export const classificationRuleNotFound = (id: number) =>
  new AppError(404, "unknown_classification_rule", { id });
