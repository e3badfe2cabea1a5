//! Walking every page of a paginated list: the streams every generated pager returns.
//!
//! Atlas lists are pages by number (`pageNum` from 1, `itemsPerPage`), each with its
//! `results`, a `totalCount` when counted (`includeCount`, on by default) and `links`, among
//! them a `next` link when there is a next page. A generated crate implements [`Page`] for
//! each such body and gives each paginated operation `pages()` and `items()`.
//!
//! When a walk ends is [`Pages`]' to say.

use std::collections::{BTreeSet, VecDeque};
use std::fmt;
use std::future::Future;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use serde::Serialize;

use crate::error::Error;
use crate::response::ApiResponse;

/// A page of a paginated list, as a generated crate describes its body type.
#[doc(hidden)]
pub trait Page: Sized {
    /// One result.
    type Item: Serialize;

    /// The results on this page.
    fn results(&self) -> &[Self::Item];

    /// The results on this page, taken out.
    fn into_results(self) -> Vec<Self::Item>;

    /// The total the server counted, when it counted.
    fn total_count(&self) -> Option<u64>;

    /// Whether the page's links include `next`; `None` when it has no links.
    fn has_next_link(&self) -> Option<bool>;
}

/// Why a walk over pages stopped with an error of its own.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PageError {
    /// The server answered page `page` with results it had already sent: it does not page.
    RepeatedPage {
        /// The `operationId` of the list operation.
        operation_id: &'static str,
        /// The page number that repeated an earlier page.
        page: u64,
    },
}

impl fmt::Display for PageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PageError::RepeatedPage { operation_id, page } => write!(
                f,
                "{operation_id} answered page {page} with results of an earlier page; stopped instead of looping"
            ),
        }
    }
}

impl std::error::Error for PageError {}

type PageFuture<P, B> = Pin<Box<dyn Future<Output = Result<ApiResponse<P>, Error<B>>> + Send>>;
type FetchPage<P, B> = Box<dyn FnMut(u64) -> PageFuture<P, B> + Send>;

/// Every page of a list, in order: a [`Stream`] of page bodies. Also usable without a stream
/// library: `while let Some(page) = pages.next().await { … }`.
///
/// # When the walk ends
///
/// After each page, in this order:
/// 1. a page with no results ends it: pages are counted from the start, so nothing follows an
///    empty one;
/// 2. when the page is counted, the count decides: the walk goes on while the results seen
///    (counting the pages before the first one asked for) fall short of the page's
///    `totalCount` (the newest one, so a list that shrinks or grows during the walk is
///    followed), even after a short page or one with no `next` link, and ends once they reach
///    it, unless the page still has a `next` link. A page can be short without being the last
///    (Atlas caps `itemsPerPage`, so asking for more than the cap gives short pages all the
///    way), and Atlas calls the count an estimate, so a `next` link past it is followed;
/// 3. uncounted, a page whose `links` (when it has any) lack `next` ends it;
/// 4. uncounted and without links, a page shorter than the `itemsPerPage` asked for ends it.
///
/// Every page is requested under the client's retry policy. A server that answers a page
/// with results already seen on an earlier page (one that ignores `pageNum`) ends the walk
/// with [`PageError::RepeatedPage`] instead of looping: a walk never runs forever on a server
/// that repeats itself. The first error is yielded, and the stream ends after it.
#[must_use = "a stream does nothing until it is polled"]
pub struct Pages<P, B> {
    operation_id: &'static str,
    fetch: FetchPage<P, B>,
    in_flight: Option<PageFuture<P, B>>,
    next_page: u64,
    items_per_page: u64,
    seen_results: u64,
    seen_pages: BTreeSet<u64>,
    first: bool,
    done: bool,
}

impl<P, B> fmt::Debug for Pages<P, B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pages")
            .field("operation_id", &self.operation_id)
            .field("next_page", &self.next_page)
            .field("items_per_page", &self.items_per_page)
            .field("seen_results", &self.seen_results)
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl<P: Page, B> Pages<P, B> {
    /// Walks from page `first`, asking for `items_per_page` results a page; `fetch` requests
    /// one page by number.
    #[doc(hidden)]
    pub fn new(
        operation_id: &'static str,
        first: u64,
        items_per_page: u64,
        fetch: impl FnMut(u64) -> PageFuture<P, B> + Send + 'static,
    ) -> Self {
        Pages {
            operation_id,
            fetch: Box::new(fetch),
            in_flight: None,
            next_page: first,
            items_per_page,
            // Pages are numbered from 1: a walk from page 3 has passed two pages' results.
            seen_results: first.saturating_sub(1).saturating_mul(items_per_page),
            seen_pages: BTreeSet::new(),
            first: true,
            done: false,
        }
    }

    /// The next page, or `None` after the last (or after an error).
    pub async fn next(&mut self) -> Option<Result<P, Error<B>>> {
        std::future::poll_fn(|context| Pin::new(&mut *self).poll_next(context)).await
    }

    /// Every result of every page, one at a time.
    pub fn items(self) -> Items<P, B> {
        Items {
            pages: self,
            buffered: VecDeque::new(),
        }
    }

    /// Whether the walk ends after `page`, by the rules in [`Pages`]' docs.
    fn is_last(&self, page: &P, results: u64) -> bool {
        if results == 0 {
            return true;
        }
        match (page.total_count(), page.has_next_link()) {
            // Atlas calls its count an estimate: a `next` link past it is followed.
            (Some(total), has_next) => self.seen_results >= total && has_next != Some(true),
            (None, Some(has_next)) => !has_next,
            (None, None) => results < self.items_per_page,
        }
    }

    /// A page's results as a number, the same for the same results; `None` when they cannot
    /// be encoded (then no repeat is detected, and the other rules still end the walk).
    fn fingerprint(page: &P) -> Option<u64> {
        let encoded = serde_json::to_vec(page.results()).ok()?;
        let mut hasher = DefaultHasher::new();
        encoded.hash(&mut hasher);
        Some(hasher.finish())
    }
}

impl<P: Page, B> Stream for Pages<P, B> {
    type Item = Result<P, Error<B>>;

    fn poll_next(mut self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.done {
            return Poll::Ready(None);
        }
        let page_number = this.next_page;
        let in_flight = this
            .in_flight
            .get_or_insert_with(|| (this.fetch)(page_number));
        let answer = match in_flight.as_mut().poll(context) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(answer) => answer,
        };
        this.in_flight = None;
        let page = match answer {
            Ok(response) => response.into_body(),
            Err(error) => {
                this.done = true;
                return Poll::Ready(Some(Err(error)));
            }
        };
        let results = page.results().len() as u64;
        let repeated = Self::fingerprint(&page)
            .is_some_and(|fingerprint| !this.seen_pages.insert(fingerprint));
        if results > 0 && repeated {
            this.done = true;
            return Poll::Ready(Some(Err(Error::Pages(PageError::RepeatedPage {
                operation_id: this.operation_id,
                page: page_number,
            }))));
        }
        this.seen_results += results;
        this.done = this.is_last(&page, results);
        this.next_page += 1;
        let first = std::mem::replace(&mut this.first, false);
        if results == 0 && !first {
            // An empty page after the first says only that the previous one was the last.
            return Poll::Ready(None);
        }
        Poll::Ready(Some(Ok(page)))
    }
}

/// Every result of every page of a list, in order: a [`Stream`] of items, requesting each
/// page when the one before is used up. Ends like [`Pages`]; also usable as
/// `while let Some(item) = items.next().await { … }`.
#[must_use = "a stream does nothing until it is polled"]
pub struct Items<P: Page, B> {
    pages: Pages<P, B>,
    buffered: VecDeque<P::Item>,
}

impl<P: Page, B> fmt::Debug for Items<P, B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Items")
            .field("pages", &self.pages)
            .field("buffered", &self.buffered.len())
            .finish()
    }
}

impl<P: Page, B> Items<P, B> {
    /// The next result, or `None` after the last (or after an error).
    pub async fn next(&mut self) -> Option<Result<P::Item, Error<B>>> {
        std::future::poll_fn(|context| Pin::new(&mut *self).poll_next(context)).await
    }

    /// Every remaining result; or, when an error ends the walk, the results read before it
    /// together with the error ([`PartialItems`]). With `?` in a function returning [`Error`],
    /// the results read are dropped and the error kept.
    pub async fn collect_all(mut self) -> Result<Vec<P::Item>, PartialItems<P::Item, B>> {
        let mut items = Vec::new();
        while let Some(item) = self.next().await {
            match item {
                Ok(item) => items.push(item),
                Err(error) => return Err(PartialItems { items, error }),
            }
        }
        Ok(items)
    }
}

/// The results [`Items::collect_all`] read before an error ended the walk, and that error:
/// the items of every page that arrived whole, in order. Its message is the error's, with how
/// many results were read; [`From`] turns it into the error alone, so `?` works in a function
/// returning [`Error`].
#[derive(Debug)]
pub struct PartialItems<T, B> {
    /// The results read, in order.
    pub items: Vec<T>,
    /// What ended the walk.
    pub error: Error<B>,
}

impl<T, B: crate::ErrorBody> fmt::Display for PartialItems<T, B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.items.len();
        let results = if count == 1 { "result" } else { "results" };
        write!(f, "{} (after {count} {results} were read)", self.error)
    }
}

impl<T: fmt::Debug, B: crate::ErrorBody> std::error::Error for PartialItems<T, B> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

impl<T, B> From<PartialItems<T, B>> for Error<B> {
    fn from(partial: PartialItems<T, B>) -> Self {
        partial.error
    }
}

impl<P: Page, B> Unpin for Items<P, B> {}

impl<P: Page, B> Stream for Items<P, B> {
    type Item = Result<P::Item, Error<B>>;

    fn poll_next(mut self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if let Some(item) = this.buffered.pop_front() {
                return Poll::Ready(Some(Ok(item)));
            }
            match Pin::new(&mut this.pages).poll_next(context) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Ready(Some(Err(error))) => return Poll::Ready(Some(Err(error))),
                Poll::Ready(Some(Ok(page))) => this.buffered.extend(page.into_results()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::response::ResponseHeaders;
    use bytes::Bytes;
    use http::StatusCode;
    use std::sync::{Arc, Mutex};

    /// A page as a test server would send it.
    #[derive(Debug, Clone)]
    struct TestPage {
        results: Vec<u32>,
        total: Option<u64>,
        next: Option<bool>,
    }

    impl Page for TestPage {
        type Item = u32;
        fn results(&self) -> &[u32] {
            &self.results
        }
        fn into_results(self) -> Vec<u32> {
            self.results
        }
        fn total_count(&self) -> Option<u64> {
            self.total
        }
        fn has_next_link(&self) -> Option<bool> {
            self.next
        }
    }

    /// Walks pages answered by `answer(page number)` (None: an error), returning the items
    /// (or the error's text) and the page numbers requested.
    fn walk(
        items_per_page: u64,
        answer: impl Fn(u64) -> Option<TestPage> + Send + Sync + 'static,
    ) -> (Result<Vec<u32>, String>, Vec<u64>) {
        walk_from(1, items_per_page, answer)
    }

    /// [`walk`] from page `first`.
    fn walk_from(
        first: u64,
        items_per_page: u64,
        answer: impl Fn(u64) -> Option<TestPage> + Send + Sync + 'static,
    ) -> (Result<Vec<u32>, String>, Vec<u64>) {
        let requested = Arc::new(Mutex::new(Vec::new()));
        let log = requested.clone();
        let answer = Arc::new(answer);
        let pages: Pages<TestPage, serde_json::Value> =
            Pages::new("listThings", first, items_per_page, move |page| {
                log.lock().unwrap().push(page);
                let answer = answer.clone();
                Box::pin(async move {
                    match answer(page) {
                        Some(body) => Ok(ApiResponse::new(
                            StatusCode::OK,
                            ResponseHeaders::default(),
                            body,
                            Bytes::new(),
                        )),
                        None => Err(Error::Pages(PageError::RepeatedPage {
                            operation_id: "test error",
                            page,
                        })),
                    }
                })
            });
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let items = runtime
            .block_on(pages.items().collect_all())
            .map_err(|partial| partial.error.to_string());
        let requested = requested.lock().unwrap().clone();
        (items, requested)
    }

    fn counted(total: u64, per_page: u64) -> impl Fn(u64) -> Option<TestPage> {
        move |page| {
            let start = (page - 1) * per_page;
            let end = (start + per_page).min(total);
            Some(TestPage {
                results: (start.min(end)..end).map(|n| n as u32).collect(),
                total: Some(total),
                next: Some(end < total),
            })
        }
    }

    #[test]
    fn a_counted_walk_ends_at_the_total() {
        assert_eq!(walk(2, counted(0, 2)), (Ok(vec![]), vec![1]));
        assert_eq!(walk(2, counted(2, 2)), (Ok(vec![0, 1]), vec![1]));
        assert_eq!(
            walk(2, counted(5, 2)),
            (Ok(vec![0, 1, 2, 3, 4]), vec![1, 2, 3])
        );
    }

    #[test]
    fn the_count_wins_over_short_pages_and_missing_links() {
        // The server caps pages at 2 although 10 were asked for, and sends no `next` link.
        let capped = |page: u64| {
            let start = (page - 1) * 2;
            Some(TestPage {
                results: (start..(start + 2).min(5)).map(|n| n as u32).collect(),
                total: Some(5),
                next: Some(false),
            })
        };
        assert_eq!(walk(10, capped), (Ok(vec![0, 1, 2, 3, 4]), vec![1, 2, 3]));
    }

    #[test]
    fn uncounted_walks_follow_links_then_page_length() {
        let linked = |page: u64| {
            Some(TestPage {
                results: vec![page as u32; 2],
                total: None,
                next: Some(page < 2),
            })
        };
        assert_eq!(walk(2, linked), (Ok(vec![1, 1, 2, 2]), vec![1, 2]));
        let bare = |page: u64| {
            Some(TestPage {
                results: if page < 3 {
                    vec![page as u32; 2]
                } else {
                    vec![9]
                },
                total: None,
                next: None,
            })
        };
        assert_eq!(walk(2, bare), (Ok(vec![1, 1, 2, 2, 9]), vec![1, 2, 3]));
        // A full last page: the empty page after it ends the walk.
        let exact = |page: u64| {
            Some(TestPage {
                results: if page < 3 {
                    vec![page as u32; 2]
                } else {
                    vec![]
                },
                total: None,
                next: None,
            })
        };
        assert_eq!(walk(2, exact), (Ok(vec![1, 1, 2, 2]), vec![1, 2, 3]));
    }

    #[test]
    fn a_walk_from_a_later_page_counts_the_pages_before_it() {
        let (items, requested) = walk_from(2, 2, counted(5, 2));
        assert_eq!((items, requested), (Ok(vec![2, 3, 4]), vec![2, 3]));
    }

    #[test]
    fn a_count_lower_than_the_list_gives_way_to_a_next_link() {
        // The count says 3; there are 5, and the links say so.
        let low = |page: u64| {
            let start = (page - 1) * 2;
            let end = (start + 2).min(5);
            Some(TestPage {
                results: (start.min(end)..end).map(|n| n as u32).collect(),
                total: Some(3),
                next: Some(end < 5),
            })
        };
        assert_eq!(walk(2, low), (Ok(vec![0, 1, 2, 3, 4]), vec![1, 2, 3]));
    }

    #[test]
    fn a_total_that_changes_mid_walk_is_followed() {
        // 6 at first; when page 2 is read, two were deleted: page 2 is the last.
        let shrinking = |page: u64| {
            let total = if page == 1 { 6 } else { 4 };
            Some(TestPage {
                results: vec![page as u32; 2],
                total: Some(total),
                next: Some(page * 2 < total),
            })
        };
        assert_eq!(walk(2, shrinking), (Ok(vec![1, 1, 2, 2]), vec![1, 2]));
    }

    #[test]
    fn a_server_that_repeats_pages_is_stopped_with_an_error() {
        let stuck = |_page: u64| {
            Some(TestPage {
                results: vec![1, 2],
                total: None,
                next: Some(true),
            })
        };
        let (items, requested) = walk(2, stuck);
        assert_eq!(requested, [1, 2]);
        assert_eq!(
            items.unwrap_err(),
            "listThings answered page 2 with results of an earlier page; stopped instead of looping"
        );
        // A cycle of two pages is caught too.
        let cycling = |page: u64| {
            Some(TestPage {
                results: vec![(page % 2) as u32; 2],
                total: None,
                next: Some(true),
            })
        };
        assert_eq!(walk(2, cycling).1, [1, 2, 3]);
    }

    #[test]
    fn the_first_error_ends_the_walk() {
        let failing = |page: u64| {
            (page < 3).then(|| TestPage {
                results: vec![page as u32; 2],
                total: Some(10),
                next: Some(true),
            })
        };
        let (items, requested) = walk(2, failing);
        assert_eq!(requested, [1, 2, 3]);
        assert!(items.unwrap_err().contains("page 3"));
    }
}
