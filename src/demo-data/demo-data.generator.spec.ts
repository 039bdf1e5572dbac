import { DEFAULT_DEMO_SIZE, generateDemoData } from './demo-data.generator.js';

function collect(offsets = { user: 0, mentor: 0, course: 0, review: 0 }) {
  const batches = [...generateDemoData(DEFAULT_DEMO_SIZE, offsets, 'hash')];
  return {
    users: batches.flatMap((b) => b.users),
    mentors: batches.flatMap((b) => (b.mentor ? [b.mentor] : [])),
    courses: batches.flatMap((b) => b.courses),
    reviews: batches.flatMap((b) => b.reviews),
  };
}

describe('generateDemoData', () => {
  it('produces at least the demo sizes the product needs', () => {
    const data = collect();
    expect(data.mentors).toHaveLength(50);
    expect(data.courses.length).toBeGreaterThanOrEqual(300);
    expect(data.reviews.length).toBeGreaterThanOrEqual(1000);
    expect(new Set(data.users.map((u) => u.email)).size).toBe(data.users.length);
  });

  it('gives each mentor at most one review per student', () => {
    const pairs = collect().reviews.map((r) => `${r.mentorId}:${r.authorId}`);
    expect(new Set(pairs).size).toBe(pairs.length);
  });

  it('is deterministic', () => {
    expect(collect()).toEqual(collect());
  });

  it('keeps ratings in range and mentor averages consistent with their reviews', () => {
    const data = collect();
    expect(data.reviews.every((r) => r.rating >= 1 && r.rating <= 5)).toBe(true);
    const mentor = data.mentors[0];
    const own = data.reviews.filter((r) => r.mentorId === mentor.id);
    expect(mentor.reviewCount).toBe(own.length);
    expect(mentor.averageRating).toBeCloseTo(own.reduce((s, r) => s + r.rating, 0) / own.length, 2);
  });

  it('continues ids after the given offsets', () => {
    const data = collect({ user: 1000, mentor: 10, course: 20, review: 30 });
    expect(Math.min(...data.users.map((u) => u.id))).toBe(1001);
    expect(data.mentors[0].id).toBe(11);
    expect(data.courses[0].id).toBe(21);
    expect(data.reviews[0].id).toBe(31);
  });
});
