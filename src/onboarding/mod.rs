//! Onboarding: the versioned question bank (data in `onboarding/questions.json`) and its
//! validation. The wizard, stored answers and the recommender build on it.

pub mod questions;
pub mod recommend;
