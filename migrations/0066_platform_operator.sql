-- Issue 16: the platform operator's HTTP role and screen (docs/tenants.md, "The platform operator").

-- A tenant created over HTTP shows as being prepared while a job loads its template (São Paulo takes minutes): it
-- answers like a suspended one (503) and its periodic jobs wait, then it becomes active, or suspended with the reason
-- when loading failed.
ALTER TABLE tenants DROP CONSTRAINT tenants_status_check;
ALTER TABLE tenants ADD CONSTRAINT tenants_status_check CHECK (status IN ('provisioning', 'active', 'suspended'));

-- The operator of the install: a staff role of the home tenant (id 1) only, granted by the command line alone. The
-- database refuses it in any other tenant, so a city's administration can never hold it, whatever a route forgets.
ALTER TABLE staff_users DROP CONSTRAINT staff_users_role_check;
ALTER TABLE staff_users ADD CONSTRAINT staff_users_role_check CHECK (role IN (
  'agent', 'department_staff', 'focal_point', 'supervisor', 'manager', 'admin', 'ombudsman', 'platform_operator'));
ALTER TABLE staff_users ADD CONSTRAINT staff_users_platform_operator_home
  CHECK (role <> 'platform_operator' OR tenant_id = 1);
