//! Where the checklist panel goes beside a compose box: to the right of the compose area
//! (the box and its publish control) when there is room, else to its left, else under it,
//! always inside the viewport.

/// A rectangle in viewport coordinates (CSS pixels).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    pub left: f64,
    pub top: f64,
    pub right: f64,
    pub bottom: f64,
}

impl Rect {
    /// Whether it has an area and some of it is inside a viewport of `width` × `height`.
    pub fn is_visible_in(&self, width: f64, height: f64) -> bool {
        self.right > self.left
            && self.bottom > self.top
            && self.bottom > 0.0
            && self.top < height
            && self.right > 0.0
            && self.left < width
    }

    /// The smallest rectangle holding both.
    pub fn union(&self, other: &Rect) -> Rect {
        Rect {
            left: self.left.min(other.left),
            top: self.top.min(other.top),
            right: self.right.max(other.right),
            bottom: self.bottom.max(other.bottom),
        }
    }

    /// The vertical distance between the two (0 when they overlap vertically).
    pub fn vertical_gap(&self, other: &Rect) -> f64 {
        (other.top - self.bottom)
            .max(self.top - other.bottom)
            .max(0.0)
    }
}

/// Where to put the panel and how tall it may grow.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Placement {
    pub left: f64,
    pub top: f64,
    pub max_height: f64,
}

/// Space between the compose area and the panel.
pub const GAP: f64 = 8.0;
/// Distance kept from the viewport's edges.
pub const MARGIN: f64 = 4.0;
/// The panel's tallest, so that it never covers more of the page than it must.
pub const MAX_PANEL_HEIGHT: f64 = 440.0;
/// The shortest the panel's list may be made.
const MIN_LIST_HEIGHT: f64 = 80.0;
/// The panel's header, above its scrolling list.
const HEADER_HEIGHT: f64 = 40.0;
/// A publish control further than this from its box is not part of the compose area.
pub const CONTROL_REACH: f64 = 160.0;

/// The compose area: the box, with its publish control when that is close to it.
pub fn compose_area(compose_box: Rect, control: Option<Rect>) -> Rect {
    match control {
        Some(control) if compose_box.vertical_gap(&control) <= CONTROL_REACH => {
            compose_box.union(&control)
        }
        _ => compose_box,
    }
}

/// `value` brought within `low..=high` (`low <= high`). Not `f64::clamp`: its panic message
/// formats floats with `Debug`, which would link float formatting (about 12 KB) into the
/// content script's wasm.
fn between(value: f64, low: f64, high: f64) -> f64 {
    value.max(low).min(high)
}

/// Places a panel `panel_width` wide beside `area` in a viewport of `viewport` (width,
/// height); `None` when the area is not visible (the panel hides).
pub fn place(area: Rect, panel_width: f64, viewport: (f64, f64)) -> Option<Placement> {
    let (width, height) = viewport;
    if !area.is_visible_in(width, height) {
        return None;
    }
    let (left, top) = if area.right + GAP + panel_width <= width - MARGIN {
        (area.right + GAP, area.top)
    } else if area.left - GAP - panel_width >= MARGIN {
        (area.left - GAP - panel_width, area.top)
    } else {
        (
            between(
                area.right - panel_width,
                MARGIN,
                (width - panel_width - MARGIN).max(MARGIN),
            ),
            area.bottom + GAP,
        )
    };
    let top = between(top, MARGIN, (height - HEADER_HEIGHT).max(MARGIN));
    let max_height = between(
        height - top - MARGIN - HEADER_HEIGHT,
        MIN_LIST_HEIGHT,
        MAX_PANEL_HEIGHT - HEADER_HEIGHT,
    );
    Some(Placement {
        left,
        top,
        max_height,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const VIEWPORT: (f64, f64) = (1280.0, 800.0);

    fn rect(left: f64, top: f64, right: f64, bottom: f64) -> Rect {
        Rect {
            left,
            top,
            right,
            bottom,
        }
    }

    #[test]
    fn goes_right_of_the_area_then_left_then_under() {
        let placed = place(rect(100.0, 100.0, 600.0, 200.0), 300.0, VIEWPORT);
        assert_eq!(placed.map(|p| (p.left, p.top)), Some((608.0, 100.0)));
        let placed = place(rect(700.0, 100.0, 1200.0, 200.0), 300.0, VIEWPORT);
        assert_eq!(placed.map(|p| (p.left, p.top)), Some((392.0, 100.0)));
        let placed = place(rect(10.0, 100.0, 1270.0, 200.0), 300.0, VIEWPORT);
        assert_eq!(placed.map(|p| (p.left, p.top)), Some((970.0, 208.0)));
    }

    #[test]
    fn the_publish_control_beside_the_box_is_never_covered() {
        // TikTok: the "Publier" control sits right of the comment box, on its line.
        let comment_box = rect(400.0, 350.0, 820.0, 390.0);
        let control = rect(830.0, 355.0, 900.0, 385.0);
        let area = compose_area(comment_box, Some(control));
        let placed = place(area, 300.0, VIEWPORT).expect("visible");
        assert!(placed.left >= control.right, "{placed:?}");
        // A control far away (a toolbar at the top of the page) does not stretch the area.
        let far = rect(1100.0, 10.0, 1180.0, 40.0);
        assert_eq!(compose_area(comment_box, Some(far)), comment_box);
    }

    #[test]
    fn hidden_boxes_hide_the_panel_and_heights_stay_bounded() {
        assert_eq!(place(rect(0.0, 0.0, 0.0, 0.0), 300.0, VIEWPORT), None);
        assert_eq!(
            place(rect(10.0, 900.0, 300.0, 950.0), 300.0, VIEWPORT),
            None
        );
        let placed = place(rect(100.0, 10.0, 600.0, 200.0), 300.0, VIEWPORT).expect("visible");
        assert!(placed.max_height + 40.0 <= MAX_PANEL_HEIGHT);
        let low = place(rect(100.0, 780.0, 600.0, 900.0), 300.0, VIEWPORT).expect("visible");
        assert!(low.top + 40.0 <= 800.0 && low.max_height >= 80.0);
    }
}
