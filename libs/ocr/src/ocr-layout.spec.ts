import { mergeFalseColumns } from './ocr-layout';
import { OcrLine } from './ocr.types';

const line = (text: string, x0: number, y0: number, x1: number, confidence = 0.9): OcrLine => ({ text, bbox: { x0, y0, x1, y1: y0 + 30 }, confidence });

describe('mergeFalseColumns', () => {
  it('sews a block cut at a lined-up comma back together, row by row', () => {
    const left = [line('差旅费用须在出差结束后三十天内申请报销。', 110, 100, 1100), line('经过签字的审批单，酒店发票必须注明每晚', 110, 150, 700), line('内的航班一律乘坐经济舱。晚上十点以后没', 110, 200, 700)];
    const right = [line('房价和入住日期。', 712, 151, 1100, 0.5), line('有公共交通时，', 712, 199, 1100, 0.5)];
    const merged = mergeFalseColumns([left, right]);
    expect(merged).toHaveLength(1);
    expect(merged[0].map((l) => l.text)).toEqual([
      '差旅费用须在出差结束后三十天内申请报销。',
      '经过签字的审批单，酒店发票必须注明每晚房价和入住日期。',
      '内的航班一律乘坐经济舱。晚上十点以后没有公共交通时，',
    ]);
    expect(merged[0][1].bbox).toEqual({ x0: 110, y0: 150, x1: 1100, y1: 181 });
    expect(merged[0][1].confidence).toBeGreaterThan(0.5);
    expect(merged[0][1].confidence).toBeLessThan(0.9);
  });

  it('puts a space between Latin words when it joins them', () => {
    const merged = mergeFalseColumns([[line('the failed disk', 80, 100, 400)], [line('is replaced.', 410, 100, 600)]]);
    expect(merged[0][0].text).toBe('the failed disk is replaced.');
  });

  it('leaves real columns, set off by a gutter, apart', () => {
    const left = [line('The storage cluster keeps three', 80, 100, 530), line('copies of every block.', 80, 150, 500)];
    const right = [line('存储集群为每个数据块保存三个副本', 660, 100, 1140), line('。当磁盘发生故障时', 660, 150, 1140)];
    expect(mergeFalseColumns([left, right])).toEqual([left, right]);
  });

  it('leaves blocks apart whose rows do not continue one another', () => {
    const heading = [line('Chapter 1', 80, 40, 300)];
    const body = [line('First paragraph', 80, 100, 600), line('goes on here', 80, 150, 600)];
    expect(mergeFalseColumns([heading, body])).toEqual([heading, body]);
  });
});
