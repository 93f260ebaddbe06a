-- Each service may set its own deadline for the department to take an order on (the acceptance stage); null keeps
-- the city's default of 8 business hours. The execution stage uses the service's deadline as before.
ALTER TABLE services
  ADD COLUMN acceptance_amount integer CHECK (acceptance_amount > 0),
  ADD COLUMN acceptance_unit text CHECK (acceptance_unit IN ('business_days', 'business_hours', 'calendar_days')),
  ADD CONSTRAINT services_acceptance_both CHECK ((acceptance_amount IS NULL) = (acceptance_unit IS NULL));
