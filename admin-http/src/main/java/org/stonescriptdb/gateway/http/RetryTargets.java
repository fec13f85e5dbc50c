package org.stonescriptdb.gateway.http;

import org.stonescriptdb.gateway.registry.PlatformRegistry.DeploymentOutcome;
import org.stonescriptdb.gateway.routing.DatabaseName;
import org.stonescriptdb.gateway.schema.deploy.DeployStatus;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What a retry ({@code retry_deployment}) deploys to: the databases of the platform whose result in that recorded
 * deployment was failed, blocked or skipped and that still exist — main first when it is one of them, so it is the
 * canary again. The ones that took the deployment are left alone: a long fan-out with a few failures is finished
 * without deploying to every other database again.
 *
 * @param deploymentId the deployment retried, as recorded (lower-case UUID)
 * @param schemaName   the schema it deployed (a retry deploys the same one)
 * @param targets      main first, then tenants by name; empty when nothing is left to retry
 */
record RetryTargets(String deploymentId, String schemaName, List<DatabaseName> targets) {

    private static final Pattern UUID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    private static final Set<String> LEFT_BEHIND = Set.of(DeployStatus.FAILED.toString(), DeployStatus.BLOCKED.toString(),
            DeployStatus.SKIPPED.toString());

    /** The id as sent, checked: 400 unless it is a UUID, before anything is looked up. */
    static String deploymentId(String value) {
        String id = value.strip().toLowerCase(Locale.ROOT);
        if (!UUID.matcher(id).matches()) {
            throw ApiException.badRequest("retry_deployment must be the deployment_id of a report (a UUID such as"
                    + " 1f0c6a52-3b7e-4d2a-9c61-0e5f2b8d7a41), got '" + Names.printable(value) + "'");
        }
        return id;
    }

    /**
     * Reads the deployment from the history: 404 {@code deployment_not_found} when the platform has no deployment of
     * that id (another platform's included), 400 when it deployed another schema than {@code schemaName}, or was a dry
     * run and this retry is not.
     */
    static RetryTargets of(Deployments d, String platform, String schemaName, String deploymentId, boolean dryRun) throws SQLException {
        List<DeploymentOutcome> outcomes = d.registry.deploymentOutcomes(platform, deploymentId);
        if (outcomes.isEmpty()) {
            throw new ApiException(404, "deployment_not_found", "platform " + platform + " has no recorded deployment "
                    + deploymentId + "; retry_deployment takes the deployment_id of one of its /register, /migrate or"
                    + " /v2/migrate reports", platform, null, Map.of());
        }
        String deployed = outcomes.stream().map(DeploymentOutcome::schemaName).filter(s -> s != null).findFirst().orElse(schemaName);
        if (!deployed.equals(schemaName)) {
            throw ApiException.badRequest("deployment " + deploymentId + " deployed schema '" + deployed + "', not '" + schemaName
                    + "'; a retry deploys the same schema: send schema_name " + deployed + " to /v2/migrate"
                    + (deployed.equals(Deployments.DEFAULT_SCHEMA) ? " or use /migrate" : ""));
        }
        if (!dryRun && outcomes.getFirst().dryRun()) {
            // A dry run changed no database: deploying to only the ones it found wanting would leave the rest behind.
            throw ApiException.badRequest("deployment " + deploymentId + " was a dry run and changed no database; a retry of it"
                    + " deploys only to the databases it found failed, blocked or skipped, so it may only be a dry run too"
                    + " (dry_run=true) — to deploy, migrate without retry_deployment");
        }
        List<DatabaseName> existing = d.databasesOf(platform);
        List<DatabaseName> targets = new ArrayList<>();
        for (DeploymentOutcome o : outcomes) {
            if (!LEFT_BEHIND.contains(o.status())) continue;
            DatabaseName.parse(o.database()).filter(existing::contains).filter(db -> !targets.contains(db)).ifPresent(targets::add);
        }
        targets.sort((a, b) -> a.isMain() ? -1 : b.isMain() ? 1 : a.text().compareTo(b.text()));
        return new RetryTargets(deploymentId, deployed, List.copyOf(targets));
    }

    boolean includesMain() {
        return !targets.isEmpty() && targets.getFirst().isMain();
    }

    /** The report's word when there was nothing to do. */
    String nothingToRetry() {
        return "nothing to retry: no database of deployment " + deploymentId + " was failed, blocked or skipped and still exists";
    }
}
