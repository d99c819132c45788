use anchor_lang::prelude::*;
use ballast_math::{MathError, MathErrorKind};

/// Every failure the program reports. Codes are 6000 + the explicit number on each
/// variant (Anchor's custom range) and are pinned: front-ends and keepers match on them,
/// so a variant is never renumbered, and a new one takes the next free number.
#[error_code]
pub enum ErrorCode {
    // --- arithmetic (the failing operation is logged alongside) ---
    #[msg("Arithmetic overflow")]
    MathOverflow = 0,
    #[msg("Division by zero")]
    MathDivisionByZero = 1,
    #[msg("Arithmetic input outside its domain")]
    MathInvalidInput = 2,

    // --- amounts ---
    #[msg("Amount must be greater than zero")]
    ZeroAmount = 3,
    #[msg("Amount exceeds the largest representable balance")]
    AmountTooLarge = 4,
    #[msg("Amount exceeds the transferable margin")]
    InsufficientTransferable = 5,
    #[msg("Amount exceeds the pool balance")]
    InsufficientPoolBalance = 6,

    // --- authority ---
    #[msg("Signer is not the exchange admin")]
    NotAdmin = 7,
    #[msg("Signer is neither the admin nor the guardian")]
    NotAdminOrGuardian = 8,
    #[msg("The guardian may only pause or set reduce-only, never loosen")]
    GuardianCannotLoosen = 9,
    #[msg("Signer is not the account owner")]
    NotOwner = 10,
    #[msg("Signer is neither the account owner nor its delegate")]
    NotOwnerOrDelegate = 11,
    #[msg("Signer is not the oracle authority")]
    NotOracleAuthority = 12,
    #[msg("The delegate cannot be the owner")]
    DelegateIsOwner = 13,

    // --- accounts ---
    #[msg("Token account mint is not the exchange's collateral mint")]
    WrongMint = 14,
    #[msg("Account is not the exchange vault")]
    WrongVault = 15,
    #[msg("Oracle account does not match the market")]
    WrongOracle = 16,
    #[msg("Oracle account has the wrong owner or layout")]
    InvalidOracleAccount = 17,
    #[msg("Pyth price update is not fully verified")]
    OracleNotFullyVerified = 18,
    #[msg("Pyth feed id does not match the market")]
    WrongOracleFeed = 19,
    #[msg("Market index does not match the next market slot")]
    WrongMarketIndex = 20,
    #[msg("Margin account still holds collateral or positions")]
    AccountNotEmpty = 21,
    #[msg("Account layout version is not supported")]
    InvalidAccountVersion = 22,
    #[msg("An internal consistency check failed (a value the program itself passed is out of range)")]
    InvariantViolated = 23,
    #[msg("Vault balance does not equal the sum of all claims")]
    VaultMismatch = 24,
    #[msg("Fewer health accounts than the account's open positions need")]
    MissingHealthAccounts = 25,
    #[msg("More health accounts than the account's open positions need")]
    ExtraHealthAccounts = 26,
    #[msg("Health account does not match the account's position list (market or oracle out of order or substituted)")]
    HealthAccountMismatch = 27,

    // --- market parameters ---
    #[msg("Leverage tiers are invalid: first threshold 0, thresholds increasing, max leverage 1..=1000 and non-increasing, 1 to 4 tiers")]
    InvalidLeverageTiers = 28,
    #[msg("Oracle staleness and confidence limits must be non-zero and within bounds")]
    InvalidOracleLimits = 29,
    #[msg("Fees, spread and liquidation rewards must be below the smallest maintenance rate")]
    FeesNotBelowMaintenance = 30,
    #[msg("A ratio is above 100%")]
    InvalidRatio = 31,
    #[msg("Lot size must be non-zero")]
    InvalidLotSize = 32,
    #[msg("Open-interest cap must be non-zero")]
    InvalidOpenInterestCap = 33,
    #[msg("Funding parameters are out of bounds")]
    InvalidFundingParams = 34,
    #[msg("Exchange parameters are out of bounds")]
    InvalidExchangeParams = 35,
    #[msg("Oracle exponent is out of bounds")]
    InvalidOracleExponent = 36,
    #[msg("Oracle publish time is in the future")]
    OraclePublishTimeInFuture = 37,

    // --- status ---
    #[msg("Exchange or market is paused")]
    Paused = 38,
    #[msg("Exchange or market is reduce-only")]
    ReduceOnly = 39,

    // --- trading and margin ---
    #[msg("Trade size must be non-zero")]
    ZeroSize = 40,
    #[msg("Trade size is not a multiple of the market's lot size")]
    SizeNotLotMultiple = 41,
    #[msg("Leverage must be between 1 and the market maximum")]
    InvalidLeverage = 42,
    #[msg("Leverage is above the maximum of the position's size tier")]
    LeverageAboveTierMax = 43,
    #[msg("Leverage differs from the open position's setting: use set_leverage")]
    LeverageMismatch = 44,
    #[msg("The position is open in another margin mode; close it before switching")]
    ModeMismatch = 45,
    #[msg("The market does not allow this margin mode")]
    ModeNotAllowed = 46,
    #[msg("Fill price is beyond the limit price")]
    LimitPriceExceeded = 47,
    #[msg("Open interest cap exceeded")]
    OpenInterestCapExceeded = 48,
    #[msg("The domain would not meet its initial margin")]
    InsufficientMargin = 49,
    #[msg("Cross margin cannot pay this and stay at or above its initial margin")]
    InsufficientCrossMargin = 50,
    #[msg("A reduction may not leave the domain below maintenance with less margin excess than before")]
    HealthWorsened = 51,
    #[msg("Strict-isolated margin is locked: it cannot be removed or released by raising leverage")]
    StrictIsolatedLocked = 52,
    #[msg("No open position in this market")]
    NoOpenPosition = 53,
    #[msg("All cross position slots are in use")]
    NoFreeCrossSlot = 54,
    #[msg("Closing would leave the isolated position with negative equity: add margin or let it be liquidated")]
    NegativeEquityClose = 55,
    #[msg("Isolated position account does not belong to this margin account and market")]
    WrongIsolatedPosition = 56,

    // --- liquidation and guards ---
    #[msg("The domain is not below its maintenance margin")]
    NotLiquidatable = 57,
    #[msg("max_base is below one lot")]
    LiquidationSizeTooSmall = 58,
    #[msg("Margin guard is not set on this position")]
    GuardNotSet = 59,
    #[msg("Margin guard parameters are invalid: trigger above 100% of maintenance, top-up non-zero, cap at least one top-up")]
    InvalidGuardParams = 60,
    #[msg("The position's equity/maintenance ratio is not below the guard's trigger")]
    GuardNotTriggered = 61,
    #[msg("The guard's lifetime cap would be exceeded")]
    GuardCapReached = 62,

    // --- oracle ---
    #[msg("Oracle price is stale")]
    OracleStale = 63,
    #[msg("Oracle confidence interval is too wide")]
    OracleTooUncertain = 64,
    #[msg("Oracle price is not positive")]
    OracleNonPositive = 65,

    // --- added by the hardening work (appended: earlier codes are unchanged) ---
    #[msg("Oracle price is older than the market's fill age: fills against the pool need a fresh price")]
    OracleStaleForFill = 66,
    #[msg("Settle parameters are invalid: period 1 s to 7 days, a non-zero limit when the PnL weight is below 100%")]
    InvalidSettleParams = 67,
    #[msg("Maintenance ramp is longer than 30 days, or the tiers change while a ramp is in progress")]
    InvalidRampParams = 68,
    #[msg("The pool must keep the reserve that open profits and bad-debt cover need")]
    PoolReserveRequired = 69,
    #[msg("This exchange does not accept push oracles")]
    PushOraclesDisabled = 70,
    #[msg("No authority change is pending")]
    NoPendingAuthority = 71,
    #[msg("Signer is not the proposed authority")]
    NotPendingAuthority = 72,
    #[msg("The margin account has no unsettled profit in this market")]
    NothingToSettle = 73,
    #[msg("Markets for the pool reserve or the insurance floor must be every market, in index order")]
    ReserveAccountsMismatch = 74,

    // --- insurance fund and protocol fees ---
    #[msg("Amount exceeds the insurance fund's balance")]
    InsufficientInsuranceBalance = 75,
    #[msg("The insurance fund must keep its floor: 1% of open notional")]
    InsuranceFloorRequired = 76,
    #[msg("Amount exceeds the protocol fees not yet swept")]
    InsufficientFeeBalance = 77,

    // --- trigger orders ---
    #[msg("The trigger book holds the most orders it can; cancel one first")]
    TriggerBookFull = 78,
    #[msg("No trigger order with this id")]
    TriggerOrderNotFound = 79,
    #[msg("The oracle price has not reached the order's trigger")]
    TriggerNotMet = 80,
    #[msg("Trigger order is invalid: trigger price 0, size 0 or not a lot multiple, fraction above 100%, or tip above the maximum")]
    InvalidTriggerOrder = 81,
    #[msg("Trigger book does not belong to this margin account")]
    WrongTriggerBook = 82,

    // --- one error per account invariant (checked after every write) ---
    #[msg("Exchange invariant broken: status, push-oracle flag, authorities or fee bounds")]
    ExchangeStateInvalid = 83,
    #[msg("Market invariant broken: status, allowed modes, oracle kind, tiers, ramp, lot size, fill age, settle period or volatility parameters")]
    MarketStateInvalid = 84,
    #[msg("Margin account invariant broken: liquidation flag, owner and delegate, isolated count, or a cross slot")]
    MarginAccountStateInvalid = 85,
    #[msg("Isolated position invariant broken: mode, leverage, size and cost basis, unsettled profit or margin guard")]
    IsolatedPositionStateInvalid = 86,
    #[msg("Trigger book invariant broken: an order's condition, domain, side, size kind, size or trigger price")]
    TriggerBookStateInvalid = 87,
    #[msg("Push oracle invariant broken: authority or exponent")]
    PushOracleStateInvalid = 88,
    #[msg("A cross position changed after this instruction valued it")]
    CrossBookOutOfSync = 89,
    #[msg("Market open interest does not cover the position being changed")]
    OpenInterestOutOfSync = 90,
    #[msg("A leverage change would have changed maintenance margin")]
    LeverageChangedMaintenance = 91,
    #[msg("The pool's equity is not negative: there is nothing to deleverage")]
    PoolNotInShortfall = 92,
    #[msg("Only a position with unrealised profit at the oracle price can be deleveraged")]
    DeleverageTargetNotProfitable = 93,
    #[msg("Volatility parameters out of bounds: target ≤ 100%, floor 1 ppm..=100%, half-life 1 minute..=30 days")]
    InvalidVolatilityParams = 94,
    #[msg("Leverage above the market's maximum scaled down by its volatility")]
    LeverageAboveVolatilityCap = 95,

    // --- price book ---
    #[msg("The market's index is beyond the price book's capacity: pass its market and oracle instead")]
    MarketNotInPriceBook = 96,
    #[msg("A price-book entry is missing, too old, or older than a market configuration change: refresh it first")]
    PriceBookStale = 97,
    #[msg("Price book state violates its invariants")]
    PriceBookStateInvalid = 98,
    #[msg("Realising profit writes the market: pass the [market, oracle] pairs instead of the price book")]
    PriceBookCannotRealise = 99,
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
