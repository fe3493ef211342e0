-- One database per service (run once by the postgres image on an empty volume).
CREATE DATABASE tongnan_catalog;
CREATE DATABASE tongnan_certification;
CREATE DATABASE tongnan_orders;
CREATE DATABASE tongnan_gateway;
