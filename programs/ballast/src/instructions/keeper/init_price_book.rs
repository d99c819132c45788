use anchor_lang::prelude::*;

use crate::constants::PRICE_BOOK_SEED;
use crate::state::{PriceBook, ACCOUNT_VERSION};

#[derive(Accounts)]
pub struct InitPriceBook<'info> {
    /// Pays the book's rent (anyone: the book has one address and no owner).
    #[account(mut)]
    pub payer: Signer<'info>,
    /// The price book (PDA `["price_book"]`), created empty.
    #[account(init, payer = payer, space = PriceBook::SPACE, seeds = [PRICE_BOOK_SEED], bump)]
    pub price_book: AccountLoader<'info, PriceBook>,
    /// The system program.
    pub system_program: Program<'info, System>,
}

/// Creates the empty price book. Permissionless and once per program: its address is
/// fixed, and nothing in it is trusted until `refresh_prices` writes an entry.
pub fn init_price_book(ctx: Context<InitPriceBook>) -> Result<()> {
    let mut book = ctx.accounts.price_book.load_init()?;
    book.version = ACCOUNT_VERSION;
    book.bump = ctx.bumps.price_book;
    book.invariant()
}
