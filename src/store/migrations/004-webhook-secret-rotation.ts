/**
 * Webhook secret rotation: while `previous_secret_expires_at` is in the future,
 * deliveries are signed with the previous secret as well as the current one.
 * Both secret columns hold the value as the app's secret box stored it
 * (AES-256-GCM sealed when ENCRYPTION_KEY is set).
 */
export const webhookSecretRotation = `
ALTER TABLE webhook_endpoints ADD COLUMN previous_secret TEXT;
ALTER TABLE webhook_endpoints ADD COLUMN previous_secret_expires_at {{time}};
`;
