use anchor_lang::prelude::*;
use ballast_math::{MathError, MathErrorKind};

/// Every failure the program reports. Codes start at 6000 (Anchor's custom range) and
/// are stable: front-ends and keepers match on them.
#[error_code]
pub enum ErrorCode {
    // --- arithmetic (the failing operation is logged alongside) ---
    #[msg("Arithmetic overflow")]
    MathOverflow,
    #[msg("Division by zero")]
    MathDivisionByZero,
    #[msg("Arithmetic input outside its domain")]
    MathInvalidInput,

    // --- amounts ---
    #[msg("Amount must be greater than zero")]
    ZeroAmount,
    #[msg("Amount exceeds the largest representable balance")]
    AmountTooLarge,
    #[msg("Amount exceeds the transferable margin")]
    InsufficientTransferable,
    #[msg("Amount exceeds the pool balance")]
    InsufficientPoolBalance,

    // --- authority ---
    #[msg("Signer is not the exchange admin")]
    NotAdmin,
    #[msg("Signer is neither the admin nor the guardian")]
    NotAdminOrGuardian,
    #[msg("The guardian may only pause or set reduce-only, never loosen")]
    GuardianCannotLoosen,
    #[msg("Signer is not the account owner")]
    NotOwner,
    #[msg("Signer is neither the account owner nor its delegate")]
    NotOwnerOrDelegate,
    #[msg("Signer is not the oracle authority")]
    NotOracleAuthority,
    #[msg("The delegate cannot be the owner")]
    DelegateIsOwner,

    // --- accounts ---
    #[msg("Token account mint is not the exchange's collateral mint")]
    WrongMint,
    #[msg("Account is not the exchange vault")]
    WrongVault,
    #[msg("Oracle account does not match the market")]
    WrongOracle,
    #[msg("Oracle account has the wrong owner or layout")]
    InvalidOracleAccount,
    #[msg("Pyth price update is not fully verified")]
    OracleNotFullyVerified,
    #[msg("Pyth feed id does not match the market")]
    WrongOracleFeed,
    #[msg("Market index does not match the next market slot")]
    WrongMarketIndex,
    #[msg("Margin account still holds collateral or positions")]
    AccountNotEmpty,
    #[msg("Account layout version is not supported")]
    InvalidAccountVersion,
    #[msg("Account state violates its invariant")]
    InvariantViolated,
    #[msg("Vault balance does not equal the sum of all claims")]
    VaultMismatch,
    #[msg("Fewer health accounts than the account's open positions need")]
    MissingHealthAccounts,
    #[msg("More health accounts than the account's open positions need")]
    ExtraHealthAccounts,
    #[msg("Health account does not match the account's position list (market or oracle out of order or substituted)")]
    HealthAccountMismatch,

    // --- market parameters ---
    #[msg("Leverage tiers are invalid: first threshold 0, thresholds increasing, max leverage 1..=1000 and non-increasing, 1 to 4 tiers")]
    InvalidLeverageTiers,
    #[msg("Oracle staleness and confidence limits must be non-zero and within bounds")]
    InvalidOracleLimits,
    #[msg("Fees, spread and liquidation rewards must be below the smallest maintenance rate")]
    FeesNotBelowMaintenance,
    #[msg("A ratio is above 100%")]
    InvalidRatio,
    #[msg("Lot size must be non-zero")]
    InvalidLotSize,
    #[msg("Open-interest cap must be non-zero")]
    InvalidOpenInterestCap,
    #[msg("Funding parameters are out of bounds")]
    InvalidFundingParams,
    #[msg("Exchange parameters are out of bounds")]
    InvalidExchangeParams,
    #[msg("Oracle exponent is out of bounds")]
    InvalidOracleExponent,
    #[msg("Oracle publish time is in the future")]
    OraclePublishTimeInFuture,

    // --- status ---
    #[msg("Exchange or market is paused")]
    Paused,
    #[msg("Exchange or market is reduce-only")]
    ReduceOnly,

    // --- trading and margin ---
    #[msg("Trade size must be non-zero")]
    ZeroSize,
    #[msg("Trade size is not a multiple of the market's lot size")]
    SizeNotLotMultiple,
    #[msg("Leverage must be between 1 and the market maximum")]
    InvalidLeverage,
    #[msg("Leverage is above the maximum of the position's size tier")]
    LeverageAboveTierMax,
    #[msg("Leverage differs from the open position's setting: use set_leverage")]
    LeverageMismatch,
    #[msg("The position is open in another margin mode; close it before switching")]
    ModeMismatch,
    #[msg("The market does not allow this margin mode")]
    ModeNotAllowed,
    #[msg("Fill price is beyond the limit price")]
    LimitPriceExceeded,
    #[msg("Open interest cap exceeded")]
    OpenInterestCapExceeded,
    #[msg("The domain would not meet its initial margin")]
    InsufficientMargin,
    #[msg("Cross margin cannot pay this and stay at or above its initial margin")]
    InsufficientCrossMargin,
    #[msg("A reduction may not leave the domain below maintenance with less margin excess than before")]
    HealthWorsened,
    #[msg("Strict-isolated margin is locked: it cannot be removed or released by raising leverage")]
    StrictIsolatedLocked,
    #[msg("No open position in this market")]
    NoOpenPosition,
    #[msg("All cross position slots are in use")]
    NoFreeCrossSlot,
    #[msg("Closing would leave the isolated position with negative equity: add margin or let it be liquidated")]
    NegativeEquityClose,
    #[msg("Isolated position account does not belong to this margin account and market")]
    WrongIsolatedPosition,

    // --- liquidation and guards ---
    #[msg("The domain is not below its maintenance margin")]
    NotLiquidatable,
    #[msg("max_base is below one lot")]
    LiquidationSizeTooSmall,
    #[msg("Margin guard is not set on this position")]
    GuardNotSet,
    #[msg("Margin guard parameters are invalid: trigger above 100% of maintenance, top-up non-zero, cap at least one top-up")]
    InvalidGuardParams,
    #[msg("The position's equity/maintenance ratio is not below the guard's trigger")]
    GuardNotTriggered,
    #[msg("The guard's lifetime cap would be exceeded")]
    GuardCapReached,

    // --- oracle ---
    #[msg("Oracle price is stale")]
    OracleStale,
    #[msg("Oracle confidence interval is too wide")]
    OracleTooUncertain,
    #[msg("Oracle price is not positive")]
    OracleNonPositive,

    // --- added by the hardening work (appended: earlier codes are unchanged) ---
    #[msg("Oracle price is older than the market's fill age: fills against the pool need a fresh price")]
    OracleStaleForFill,
    #[msg("Settle parameters are invalid: period 1 s to 7 days, a non-zero limit when the PnL weight is below 100%")]
    InvalidSettleParams,
    #[msg("Maintenance ramp is longer than 30 days, or the tiers change while a ramp is in progress")]
    InvalidRampParams,
    #[msg("The pool must keep the reserve that open profits and bad-debt cover need")]
    PoolReserveRequired,
    #[msg("This exchange does not accept push oracles")]
    PushOraclesDisabled,
    #[msg("No authority change is pending")]
    NoPendingAuthority,
    #[msg("Signer is not the proposed authority")]
    NotPendingAuthority,
    #[msg("The margin account has no unsettled profit in this market")]
    NothingToSettle,
    #[msg("Markets for the pool reserve must be every market, in index order")]
    ReserveAccountsMismatch,
}

impl From<MathError> for ErrorCode {
    fn from(e: MathError) -> Self {
        msg!("{}", e);
        match e.kind {
            MathErrorKind::Overflow => ErrorCode::MathOverflow,
            MathErrorKind::DivisionByZero => ErrorCode::MathDivisionByZero,
            MathErrorKind::InvalidInput => ErrorCode::MathInvalidInput,
        }
    }
}
