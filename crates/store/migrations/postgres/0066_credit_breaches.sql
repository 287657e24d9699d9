-- Missed complaint deadlines in a platform's credit rating: how many complaints whose response
-- deadline fell in the month went unanswered, and how many grade steps they took off
-- (credit.breaches_per_step). Ratings stored before count none.
ALTER TABLE credit_ratings ADD COLUMN breaches BIGINT NOT NULL DEFAULT 0;
ALTER TABLE credit_ratings ADD COLUMN breach_steps BIGINT NOT NULL DEFAULT 0;
