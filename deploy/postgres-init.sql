-- Run once by the postgres image on an empty volume: the LocalStack profile's portal gets a database of its own.
CREATE DATABASE portal_localstack OWNER portal;
