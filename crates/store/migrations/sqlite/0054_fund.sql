-- The provincial special fund (省级统管、市级发放): appropriations by the province to a city for
-- a year, the city's running totals, and each worker-month's subsidy granted from it. A city
-- is the part of a grid code before its first '-' (hz-xh-001 -> hz).
CREATE TABLE fund_appropriations (
    id INTEGER PRIMARY KEY,
    region TEXT NOT NULL,
    year INTEGER NOT NULL,
    city TEXT NOT NULL,
    amount_fen INTEGER NOT NULL CHECK (amount_fen > 0),
    at_us INTEGER NOT NULL
);
CREATE INDEX fund_appropriations_year ON fund_appropriations (region, year, city);

-- appropriated_fen - granted_fen is the city's balance; granted is committed until the
-- worker's month is paid, then paid (derived from the journal on reading).
CREATE TABLE fund_cities (
    region TEXT NOT NULL,
    year INTEGER NOT NULL,
    city TEXT NOT NULL,
    appropriated_fen INTEGER NOT NULL CHECK (appropriated_fen >= 0),
    granted_fen INTEGER NOT NULL CHECK (granted_fen >= 0 AND granted_fen <= appropriated_fen),
    PRIMARY KEY (region, year, city)
);

-- One row per worker-month closed in a budgeted year: what the rules asked, what the fund
-- granted, what waits in the queue, and the shortfall policy that decided.
CREATE TABLE fund_grants (
    worker_id INTEGER NOT NULL,
    month INTEGER NOT NULL,
    region TEXT NOT NULL,
    city TEXT NOT NULL,
    requested_fen INTEGER NOT NULL,
    granted_fen INTEGER NOT NULL,
    queued_fen INTEGER NOT NULL,
    policy TEXT NOT NULL,
    at_us INTEGER NOT NULL,
    PRIMARY KEY (worker_id, month)
);
CREATE INDEX fund_grants_city ON fund_grants (region, city, month);

-- Collective contracts (集体合同, section 5.4): a union federation and a platform agree the
-- platform's share of each active worker's contribution (basis points), a minimum contribution
-- base and supplementary commercial insurance; filed with the agency and approved (备案).
CREATE TABLE collective_contracts (
    id INTEGER PRIMARY KEY,
    platform_id INTEGER NOT NULL REFERENCES platforms (id),
    union_name TEXT NOT NULL,
    share_bp INTEGER NOT NULL CHECK (share_bp >= 0 AND share_bp <= 10000),
    min_base_fen INTEGER,
    supplementary TEXT,
    from_month INTEGER NOT NULL,
    to_month INTEGER,
    state TEXT NOT NULL CHECK (state IN ('filed', 'approved', 'withdrawn')),
    filed_at_us INTEGER NOT NULL,
    decided_at_us INTEGER
);
CREATE INDEX collective_contracts_platform ON collective_contracts (platform_id, from_month);

-- What a platform is billed a month: its contract share of each worker's contribution, and
-- union dues (worker_id 0: the month's active workers times the dues).
CREATE TABLE platform_charges (
    platform_id INTEGER NOT NULL,
    month INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('contract_share', 'union_dues')),
    worker_id INTEGER NOT NULL,
    amount_fen INTEGER NOT NULL CHECK (amount_fen >= 0),
    contract_id INTEGER,
    PRIMARY KEY (platform_id, month, kind, worker_id)
);

-- Money a platform remitted against its bill, once per reference, and how it was allocated
-- to months and kinds (contract shares first, then injury premiums, then union dues; oldest
-- month first).
CREATE TABLE platform_remittances (
    id INTEGER PRIMARY KEY,
    platform_id INTEGER NOT NULL REFERENCES platforms (id),
    reference TEXT NOT NULL,
    amount_fen INTEGER NOT NULL CHECK (amount_fen > 0),
    at_us INTEGER NOT NULL,
    UNIQUE (platform_id, reference)
);
CREATE TABLE platform_allocations (
    remittance_id INTEGER NOT NULL,
    platform_id INTEGER NOT NULL,
    month INTEGER NOT NULL,
    kind TEXT NOT NULL,
    amount_fen INTEGER NOT NULL,
    PRIMARY KEY (remittance_id, month, kind)
);
CREATE INDEX platform_allocations_month ON platform_allocations (platform_id, month);
