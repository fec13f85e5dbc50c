package org.stonescriptdb.gateway.protocol;

/** The transaction status a ReadyForQuery carries: where the session stands when the server is ready again. */
public enum TransactionStatus {
    /** Not in a transaction block: the backend may pass to another client. */
    IDLE('I'),
    /** In a transaction block. */
    IN_TRANSACTION('T'),
    /** In a failed transaction block: queries are refused until it ends. */
    FAILED('E');

    private final byte code;

    TransactionStatus(char code) {
        this.code = (byte) code;
    }

    public byte code() {
        return code;
    }

    /**
     * The status a server sent. A byte PostgreSQL never sends counts as in a transaction: the one reading that keeps the
     * backend from passing to another client.
     */
    public static TransactionStatus of(byte code) {
        return switch (code) {
            case 'I' -> IDLE;
            case 'E' -> FAILED;
            default -> IN_TRANSACTION;
        };
    }
}
