package dev.dropletworker.digitalocean;

/**
 * A request for an account that has no DigitalOcean token (any more: its token was removed from
 * the configuration after the command was taken in). Nothing was sent. Names the account only.
 */
public final class AccountNotConfigured extends RuntimeException {

    private final String account;

    AccountNotConfigured(String account) {
        super("no DigitalOcean token is configured for account '" + account + "'", null, false, false);
        this.account = account;
    }

    public String account() {
        return account;
    }
}
