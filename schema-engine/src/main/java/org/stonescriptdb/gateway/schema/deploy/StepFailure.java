package org.stonescriptdb.gateway.schema.deploy;

/** Ends a database deploy: the transaction is rolled back and the failure reported. */
final class StepFailure extends Exception {

    private final DeployFailure failure;

    StepFailure(DeployFailure failure, Throwable cause) {
        super(failure.message(), cause);
        this.failure = failure;
    }

    DeployFailure failure() {
        return failure;
    }
}
