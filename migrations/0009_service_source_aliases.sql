-- Other names a source used for a service. Catalogues rename services over the years: SP156's 2019 records say
-- "Solicitar avaliação de local com pernilongo/mosquito" where the catalogue says "Avaliação de local com
-- pernilongo/mosquito". Imports look a row's service up by services.source_ref, then here.
CREATE TABLE service_source_aliases (
  source_ref text PRIMARY KEY, -- exactly as the source writes it: "sp156:Tema|Assunto|Serviço"
  service_id bigint NOT NULL REFERENCES services (id)
);
