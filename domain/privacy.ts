/** The privacy notice (LGPD art. 9) every intake channel shows: one version for the portal, console and server. */

/** The version of the privacy notice in force; consent records name it (consents.policy_version). */
export const PRIVACY_POLICY_VERSION = "2024-01";

/**
 * The purposes that rest on the person's consent, which a withdrawal ends. Handling the demand itself does not:
 * it rests on the city's legal duty to answer (LGPD art. 7 II and III, art. 23; Lei 13.460/2017).
 */
export const WITHDRAWABLE_PURPOSES = ["contact", "satisfaction_survey", "citizen_auditor"] as const;
