package org.stonescriptdb.gateway.support;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** Small schema bundles ({@code postgresql.tar.gz}) built in memory. */
public final class Bundles {

    private Bundles() {
    }

    /** A tar.gz of {@code postgresql/<path>} files. */
    public static byte[] tarGz(Map<String, String> files) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GzipCompressorOutputStream(bytes))) {
            for (Map.Entry<String, String> f : files.entrySet()) {
                byte[] content = f.getValue().getBytes(StandardCharsets.UTF_8);
                TarArchiveEntry entry = new TarArchiveEntry("postgresql/" + f.getKey());
                entry.setSize(content.length);
                tar.putArchiveEntry(entry);
                tar.write(content);
                tar.closeArchiveEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** Version 1 of a clinic platform: patients, and functions to add, count and list them. */
    public static Map<String, String> clinicV1() {
        Map<String, String> files = new LinkedHashMap<>();
        files.put("tables/patients.pssql", """
                CREATE TABLE patients (
                    id serial PRIMARY KEY,
                    name text NOT NULL,
                    phone varchar(30),
                    born date,
                    balance numeric(10,2) NOT NULL DEFAULT 0,
                    active boolean NOT NULL DEFAULT true
                );
                """);
        files.put("functions/add_patient.pssql", """
                CREATE OR REPLACE FUNCTION add_patient(p_name text, p_phone text DEFAULT NULL) RETURNS integer
                LANGUAGE sql AS $$
                    INSERT INTO patients (name, phone) VALUES (p_name, p_phone) RETURNING id
                $$;
                """);
        files.put("functions/count_patients.pssql", """
                CREATE OR REPLACE FUNCTION count_patients() RETURNS bigint
                LANGUAGE sql AS $$ SELECT count(*) FROM patients $$;
                """);
        files.put("functions/get_patients.pssql", """
                CREATE OR REPLACE FUNCTION get_patients() RETURNS TABLE (id integer, name text, balance numeric, active boolean, tags jsonb)
                LANGUAGE sql AS $$
                    SELECT id, name, balance, active, jsonb_build_object('phone', phone) FROM patients ORDER BY id
                $$;
                """);
        return files;
    }

    /** Version 2: a visits table, an added column, a changed and a new function. */
    public static Map<String, String> clinicV2() {
        Map<String, String> files = clinicV1();
        files.put("tables/patients.pssql", files.get("tables/patients.pssql").replace("active boolean NOT NULL DEFAULT true",
                "active boolean NOT NULL DEFAULT true,\n    email text"));
        files.put("tables/visits.pssql", """
                CREATE TABLE visits (
                    id serial PRIMARY KEY,
                    patient_id integer NOT NULL REFERENCES patients (id),
                    at timestamptz NOT NULL DEFAULT now()
                );
                """);
        files.put("functions/count_patients.pssql", """
                CREATE OR REPLACE FUNCTION count_patients() RETURNS bigint
                LANGUAGE sql AS $$ SELECT count(*) FROM patients WHERE active $$;
                """);
        files.put("functions/count_visits.pssql", """
                CREATE OR REPLACE FUNCTION count_visits() RETURNS bigint
                LANGUAGE sql AS $$ SELECT count(*) FROM visits $$;
                """);
        return files;
    }

    /** Version 3: drops the phone column — a data-loss change, blocked unless forced. */
    public static Map<String, String> clinicV3() {
        Map<String, String> files = clinicV2();
        files.put("tables/patients.pssql", files.get("tables/patients.pssql").replace("    phone varchar(30),\n", ""));
        files.put("functions/add_patient.pssql", """
                CREATE OR REPLACE FUNCTION add_patient(p_name text, p_phone text DEFAULT NULL) RETURNS integer
                LANGUAGE sql AS $$
                    INSERT INTO patients (name) VALUES (p_name) RETURNING id
                $$;
                """);
        files.put("functions/get_patients.pssql", """
                CREATE OR REPLACE FUNCTION get_patients() RETURNS TABLE (id integer, name text, balance numeric, active boolean, tags jsonb)
                LANGUAGE sql AS $$
                    SELECT id, name, balance, active, '{}'::jsonb FROM patients ORDER BY id
                $$;
                """);
        return files;
    }
}
