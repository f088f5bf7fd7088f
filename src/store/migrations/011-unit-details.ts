/**
 * What a Stigg custom currency says about itself besides its code and name:
 * a description, a symbol, the singular and plural names of one unit, and
 * metadata (string pairs, as everywhere). Kept on the unit; absent is NULL
 * (metadata: `{}`).
 */
export const unitDetailsSchema = `
ALTER TABLE units ADD COLUMN description TEXT;
ALTER TABLE units ADD COLUMN symbol TEXT;
ALTER TABLE units ADD COLUMN singular_name TEXT;
ALTER TABLE units ADD COLUMN plural_name TEXT;
ALTER TABLE units ADD COLUMN metadata {{json}} NOT NULL DEFAULT '{}';
`;
