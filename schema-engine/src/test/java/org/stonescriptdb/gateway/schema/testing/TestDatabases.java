package org.stonescriptdb.gateway.schema.testing;

import org.stonescriptdb.gateway.schema.SchemaEngine;
import org.stonescriptdb.gateway.schema.deploy.ConnectionSource;
import org.stonescriptdb.gateway.schema.deploy.DeployOptions;
import org.stonescriptdb.gateway.testsupport.TestPostgres;

/** The shared test PostgreSQL as the schema engine sees it, and databases with the clinic bundle already deployed. */
public final class TestDatabases {

    private static final Object CLONING = new Object();
    private static volatile String clinicTemplate;

    private TestDatabases() {
    }

    public static ConnectionSource connections() {
        return ConnectionSource.jdbc(TestPostgres.HOST, TestPostgres.port(), TestPostgres.SUPERUSER, null);
    }

    /**
     * A new database holding the clinic bundle as a first deploy leaves it, cloned from a template deployed
     * once per JVM: cheaper than deploying again for every test that starts from a deployed database.
     */
    public static String createDeployedClinicDatabase(String prefix) {
        String template = clinicTemplate;
        if (template == null) {
            synchronized (CLONING) {
                if (clinicTemplate == null) {
                    String name = TestPostgres.newDatabase("clinic_template");
                    var result = new SchemaEngine(connections())
                            .deploy(TestBundles.clinic(), name, DeployOptions.DEFAULT);
                    if (result.failure() != null) throw new IllegalStateException("clinic template deploy failed: " + result);
                    clinicTemplate = name;
                }
                template = clinicTemplate;
            }
        }
        String name = TestPostgres.uniqueName(prefix);
        // Cloning needs the template to have no sessions; the engine closes its connections, and so do tests.
        synchronized (CLONING) {
            TestPostgres.execute(TestPostgres.MAINTENANCE_DATABASE, "CREATE DATABASE " + name + " TEMPLATE " + template + " STRATEGY FILE_COPY");
        }
        return name;
    }
}
