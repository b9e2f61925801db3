/**
 * What a staff password must be, on its own so the console's forms check the same rule the API does
 * (this module imports nothing). Length, not composition rules: NIST SP 800-63B.
 */
export const MIN_PASSWORD_LENGTH = 12;
