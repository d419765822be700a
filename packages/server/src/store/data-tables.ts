/**
 * The tables whose rows make a store non-empty: both engines' `isEmpty` (a master key may only be
 * created for an empty store) look for a row in any of them.
 */
export const DATA_TABLES: readonly string[] = [
  'sites',
  'client_keys',
  'keysets',
  'keyset_keys',
  'client_side_keypairs',
  'salt_config',
  'optouts',
  'optout_partners',
];
