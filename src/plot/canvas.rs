//! Rendering a chart into bytes: the backends (SVG text, PNG through an RGB
//! buffer), the embedded font, and the style every chart shares (a 16:9
//! slide, type large enough to read across a room).

use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{bars::Bars, fan::Fan, sweep::Sweep};

/// Chart size in pixels: 16:9, a slide's shape.
pub const SIZE: (u32, u32) = (1280, 720);
/// Type sizes in pixels: title, axis titles, tick labels and legend.
pub const TITLE: u32 = 34;
/// Axis titles.
pub const AXIS: u32 = 24;
/// Tick labels and legend entries.
pub const LABEL: u32 = 20;
/// The family the charts ask for; [`font`] registers DejaVu Sans under it.
pub const FAMILY: &str = "sans-serif";

/// The run colours: the first run (or the only one), the second (`--against`).
pub const COLOURS: [RGBColor; 2] = [RGBColor(31, 94, 168), RGBColor(214, 104, 26)];

/// DejaVu Sans (Bitstream Vera licence, `assets/fonts/LICENSE-DejaVu.txt`),
/// embedded so that PNG text needs no system font library.
static DEJAVU: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// Scalable vector graphics (text stays text).
    #[default]
    Svg,
    /// A 1280×720 PNG.
    Png,
}

impl Format {
    /// File extension.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Svg => "svg",
            Format::Png => "png",
        }
    }
}

/// Every chart `plot` draws.
pub enum Any {
    /// Fan chart over time.
    Fan(Fan),
    /// Flow bars or a tornado.
    Bars(Bars),
    /// Sweep curve.
    Sweep(Sweep),
}

impl Any {
    /// The chart's default file stem.
    pub fn stem(&self) -> &str {
        match self {
            Any::Fan(c) => &c.stem,
            Any::Bars(c) => &c.stem,
            Any::Sweep(c) => &c.stem,
        }
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> anyhow::Result<()> {
        root.fill(&WHITE).map_err(err)?;
        match self {
            Any::Fan(c) => c.draw(root),
            Any::Bars(c) => c.draw(root),
            Any::Sweep(c) => c.draw(root),
        }?;
        root.present().map_err(err)
    }
}

/// Plotters' errors as `anyhow` errors (their backends' error types are
/// not all `Send + Sync`).
pub fn err(e: impl std::fmt::Display) -> anyhow::Error {
    anyhow::anyhow!("cannot draw the chart: {e}")
}

/// Registers the embedded font once.
fn font() -> anyhow::Result<()> {
    static DONE: OnceLock<bool> = OnceLock::new();
    let ok = *DONE
        .get_or_init(|| plotters::style::register_font(FAMILY, FontStyle::Normal, DEJAVU).is_ok());
    if ok {
        Ok(())
    } else {
        Err(anyhow::anyhow!("the embedded font cannot be read"))
    }
}

/// The chart as the bytes of a file of `format`.
pub fn render(chart: &Any, format: Format) -> anyhow::Result<Vec<u8>> {
    font()?;
    match format {
        Format::Svg => {
            let mut text = String::new();
            {
                let root = SVGBackend::with_string(&mut text, SIZE).into_drawing_area();
                chart.draw(&root)?;
            }
            Ok(text.into_bytes())
        }
        Format::Png => {
            let (w, h) = SIZE;
            let mut rgb = vec![0u8; (w * h * 3) as usize];
            {
                let root = BitMapBackend::with_buffer(&mut rgb, SIZE).into_drawing_area();
                chart.draw(&root)?;
            }
            let mut out = Vec::new();
            {
                let mut enc = png::Encoder::new(&mut out, w, h);
                enc.set_color(png::ColorType::Rgb);
                enc.set_depth(png::BitDepth::Eight);
                let mut writer = enc.write_header()?;
                writer.write_image_data(&rgb)?;
            }
            Ok(out)
        }
    }
}

/// Draws `chart`'s legend at `pos` in the style every chart shares.
pub fn legend<'a, DB: DrawingBackend + 'a, CT: plotters::coord::CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
    pos: SeriesLabelPosition,
) -> anyhow::Result<()> {
    chart
        .configure_series_labels()
        .position(pos)
        .label_font(text(LABEL))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.4))
        .draw()
        .map_err(err)
}

/// A text style of the chart family at `size` pixels.
pub fn text(size: u32) -> TextStyle<'static> {
    (FAMILY, size).into_font().into()
}
