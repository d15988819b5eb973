-- The trust fund's ledger and contracts registry (issue 17; docs/funds.md).
-- Append-only: nothing here is updated or deleted; a correction is a new
-- reversing entry in fund_entries. Amounts are centavos; days are
-- 'YYYY-MM-DD' in the fiscal (calendar) year.
CREATE TABLE fund_years (
    fiscal_year INTEGER PRIMARY KEY,
    entries     BIGINT NOT NULL DEFAULT 0 -- bumped by every write of the year, which serialises them
);

CREATE TABLE fund_contracts (
    id             {{id}},
    fiscal_year    INTEGER NOT NULL,
    title          TEXT NOT NULL,
    supplier_name  TEXT NOT NULL,
    supplier_tax_id TEXT NOT NULL DEFAULT '', -- RFC
    method         TEXT NOT NULL,              -- OCDS procurementMethod: open | selective | limited | direct
    value_centavos BIGINT NOT NULL,
    signed_on      TEXT NOT NULL,
    starts_on      TEXT NOT NULL,
    ends_on        TEXT NOT NULL,
    recorded_by    BIGINT REFERENCES users(id),
    at             BIGINT NOT NULL
);
CREATE INDEX fund_contracts_year ON fund_contracts (fiscal_year, signed_on);

-- A contract's items. A security-sensitive item (naming a beneficiary, a
-- place, a safe house, a vehicle plate, an officer) is withheld: the
-- public gets its reason, never the detail, which is sealed.
CREATE TABLE fund_contract_items (
    id          {{id}},
    contract_id BIGINT NOT NULL REFERENCES fund_contracts(id),
    description TEXT NOT NULL,   -- public
    quantity    INTEGER NOT NULL DEFAULT 1,
    withheld    TEXT NOT NULL DEFAULT '', -- '' or the reason: beneficiary | place | safe_house | vehicle | officer
    detail_enc  {{blob}}
);
CREATE INDEX fund_contract_items_contract ON fund_contract_items (contract_id, id);

CREATE TABLE fund_entries (
    id              {{id}},
    fiscal_year     INTEGER NOT NULL,
    kind            TEXT NOT NULL, -- budget | increase | decrease | commitment | payment | reversal
    amount_centavos BIGINT NOT NULL,
    entry_date      TEXT NOT NULL,
    contract_id     BIGINT REFERENCES fund_contracts(id),
    commitment_id   BIGINT REFERENCES fund_entries(id),
    measure_id      BIGINT REFERENCES granted_measures(id),
    reverses_id     BIGINT REFERENCES fund_entries(id),
    note            TEXT NOT NULL DEFAULT '',
    recorded_by     BIGINT REFERENCES users(id),
    at              BIGINT NOT NULL
);
CREATE INDEX fund_entries_year ON fund_entries (fiscal_year, entry_date);
