-- Run once by the postgres image on an empty data volume (docker-entrypoint-initdb.d),
-- as POSTGRES_USER (bundling): one database per service, owned by bundling.
CREATE DATABASE demand OWNER bundling;
CREATE DATABASE contracts OWNER bundling;
CREATE DATABASE notifications OWNER bundling;
