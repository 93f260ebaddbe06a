/** The JSON shapes of the catalogue concept that leave the server, texts in the caller's language. */
import { DEFAULT_LOCALE, type Locale, pickLocalized } from "../i18n.ts";
import type { Charter, Service, ServiceGroup } from "./queries.ts";
import type {
  CharterView,
  ServiceDetailView,
  ServiceGroupView,
  ServiceSourceView,
  ServiceView,
} from "./schemas.ts";

/** The language a localized text is read in for `locale`: its own when it has one, else pt-BR (the fallback). */
export function languageOf(value: Partial<Record<Locale, string>>, locale: Locale): Locale {
  return value[locale] ? locale : DEFAULT_LOCALE;
}

/** A service for lists: names in `locale`, pt-BR where a text has no translation (`nameLanguage` says which). */
export function presentService(service: Service, locale: Locale): ServiceView {
  return {
    code: service.code,
    group: service.groupCode,
    rootGroup: service.rootGroupCode,
    name: pickLocalized(service.name, locale),
    nameLanguage: languageOf(service.name, locale),
    formerNames: service.formerNames,
    description: pickLocalized(service.description, locale),
    keywords: service.keywords,
    demandType: service.demandType,
    locationRequired: service.locationRequired,
    anonymousAllowed: service.anonymousAllowed,
    deadline: service.deadline,
    priority: service.priority,
    requirements: pickLocalized(service.requirements, locale),
    channels: service.channels,
    active: service.active,
    sensitive: service.sensitive,
  };
}

/** A service with its extra fields, questions and choices in `locale`. */
export function presentServiceDetail(service: Service, locale: Locale): ServiceDetailView {
  return {
    ...presentService(service, locale),
    attributes: [...service.attributes]
      .sort((a, b) => a.order - b.order)
      .map((a) => ({
        code: a.code,
        datatype: a.datatype,
        required: a.required,
        order: a.order,
        description: pickLocalized(a.description, locale),
        values: a.values.map((v) => ({ key: v.key, name: pickLocalized(v.name, locale) })),
      })),
  };
}

/** A service group in `locale`. */
export function presentServiceGroup(group: ServiceGroup, locale: Locale): ServiceGroupView {
  return {
    code: group.code,
    parent: group.parentCode,
    name: pickLocalized(group.name, locale),
    position: group.position,
  };
}

/** The service charter in `locale`. */
export function presentCharter(charter: Charter, locale: Locale): CharterView {
  return {
    groups: charter.groups.map((root) => ({
      ...presentServiceGroup(root, locale),
      groups: root.groups.map((group) => ({
        ...presentServiceGroup(group, locale),
        services: group.services.map((s) => presentService(s, locale)),
      })),
    })),
  };
}

/** A service as the staff edit it: every language, the extra fields in their order, as PATCH takes them back. */
export function presentServiceSource(service: Service): ServiceSourceView {
  return {
    code: service.code,
    group: service.groupCode,
    name: service.name,
    description: service.description,
    keywords: service.keywords,
    demandType: service.demandType,
    locationRequired: service.locationRequired,
    anonymousAllowed: service.anonymousAllowed,
    attributes: [...service.attributes].sort((a, b) => a.order - b.order),
    deadline: service.deadline,
    acceptanceDeadline: service.acceptanceDeadline,
    autoDispatch: service.autoDispatch,
    priority: service.priority,
    requirements: service.requirements,
    channels: service.channels,
    active: service.active,
    sensitive: service.sensitive,
  };
}
